import { localPort } from '@ticketaka/common';

const base = () => `http://127.0.0.1:${localPort('MAILPIT_HTTP_PORT')}`;

export interface InboxMessage {
  ID: string;
  Subject: string;
  To: { Address: string }[];
}

export interface FullMessage {
  ID: string;
  Subject: string;
  MessageID: string;
  Text: string;
  HTML: string;
  Attachments: { PartID: string; FileName: string; ContentType: string; Size: number }[];
}

/** What Mailpit received for one address (each test uses fresh addresses on the shared server). */
export async function mailsTo(address: string): Promise<InboxMessage[]> {
  const query = encodeURIComponent(`to:"${address}"`);
  const response = await fetch(`${base()}/api/v1/search?query=${query}&limit=50`);
  if (!response.ok) throw new Error(`mailpit search: ${response.status}`);
  return ((await response.json()) as { messages: InboxMessage[] }).messages;
}

export async function readMail(id: string): Promise<FullMessage> {
  const response = await fetch(`${base()}/api/v1/message/${id}`);
  if (!response.ok) throw new Error(`mailpit message: ${response.status}`);
  return (await response.json()) as FullMessage;
}

export async function attachment(id: string, partId: string): Promise<Buffer> {
  const response = await fetch(`${base()}/api/v1/message/${id}/part/${partId}`);
  if (!response.ok) throw new Error(`mailpit part: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

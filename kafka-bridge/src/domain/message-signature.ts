import {
  createHash,
  createHmac,
  sign as signWithKey,
  timingSafeEqual,
  verify as verifyWithKey,
  type KeyObject,
} from 'node:crypto';

/**
 * Who produced a ticket-sales message cannot be read from `clientId`: any partner can write
 * that header. Ticketaka instances share a secret key (generated per installation, from a
 * Secret in Kubernetes) and sign, with HMAC-SHA256, everything that gives a message its
 * meaning to the ledger: the topic, the partition it was written to, the key, the value and
 * the headers we rely on. Headers never reach partners' validators, so the wire format is
 * unchanged for them. A copy moved to another partition, or with any signed header or byte
 * of the value changed, no longer verifies.
 */
export const SIGNED_HEADERS = [
  'clientId',
  'eventId',
  'holdId',
  'ticketakaSentAt',
  'ticketakaSeen',
] as const;
export const SIGNATURE_HEADER = 'ticketakaSignature';
const VERSION = 'v1';

export interface SignedTarget {
  topic: string;
  partition: number;
  key: string | null;
  value: string | Buffer | null;
  headers: Record<string, string | undefined>;
}

function material(target: SignedTarget): string {
  const valueDigest =
    target.value === null ? '' : createHash('sha256').update(target.value).digest('hex');
  return JSON.stringify([
    VERSION,
    target.topic,
    target.partition,
    target.key,
    valueDigest,
    ...SIGNED_HEADERS.map((name) => target.headers[name] ?? null),
  ]);
}

export function sign(key: Buffer, target: SignedTarget): string {
  return `${VERSION}:${createHmac('sha256', key).update(material(target)).digest('base64url')}`;
}

export function verify(key: Buffer, target: SignedTarget): boolean {
  const given = target.headers[SIGNATURE_HEADER];
  if (!given || !given.startsWith(`${VERSION}:`)) return false;
  const expected = Buffer.from(sign(key, target));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Read positions (next offset per partition) carried by our messages: "p:o,p:o". */
export function formatSeen(positions: ReadonlyMap<number, bigint>): string {
  return [...positions.entries()]
    .sort(([a], [b]) => a - b)
    .map(([partition, offset]) => `${partition}:${offset}`)
    .join(',');
}

export function parseSeen(text: string | undefined): Map<number, bigint> {
  const seen = new Map<number, bigint>();
  if (!text) return seen;
  for (const pair of text.split(',')) {
    const match = /^(\d{1,4}):(\d{1,19})$/.exec(pair);
    if (match) seen.set(Number(match[1]), BigInt(match[2] as string));
  }
  return seen;
}

/**
 * The master list is the organiser's word only: an Ed25519 signature over the topic, key and
 * value, in a header, verified with the organiser's configured public key.
 */
export const ORGANISER_SIGNATURE_HEADER = 'organiserSignature';

const organiserMaterial = (target: {
  topic: string;
  key: string | null;
  value: string | Buffer | null;
}) =>
  Buffer.from(
    JSON.stringify([
      VERSION,
      target.topic,
      target.key,
      target.value === null ? '' : createHash('sha256').update(target.value).digest('hex'),
    ]),
  );

export function signAsOrganiser(
  privateKeyPem: string,
  target: { topic: string; key: string | null; value: string | Buffer | null },
): string {
  return `${VERSION}:${signWithKey(null, organiserMaterial(target), privateKeyPem).toString('base64')}`;
}

export function verifyOrganiser(
  publicKey: KeyObject,
  target: {
    topic: string;
    key: string | null;
    value: string | Buffer | null;
    signature: string | undefined;
  },
): boolean {
  if (!target.signature?.startsWith(`${VERSION}:`)) return false;
  const signature = Buffer.from(target.signature.slice(VERSION.length + 1), 'base64');
  if (signature.length !== 64) return false;
  try {
    return verifyWithKey(null, organiserMaterial(target), publicKey, signature);
  } catch {
    return false;
  }
}

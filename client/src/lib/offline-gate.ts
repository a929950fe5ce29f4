import { codeKeysResponseSchema, type CodeKeys } from '@ticketaka/contracts';
import './zod-in-browser';

/**
 * A gate that has lost the network still decides, with what it holds: the published public
 * keys (downloaded while online and kept in this browser) and its own list of tickets it let
 * in. It checks a code the way the server does before the database — format, key, Ed25519
 * signature, time step, match — and queues the admission with the moment of the scan. Back
 * online, each queued scan is sent with `scannedAt`; the server's rule settles doubles: the
 * first admission it recorded stands, and a later one comes back `already_admitted` with the
 * recorded time and gate (tickets/README.md, "Offline gates").
 */
const KEYS = 'ticketaka-gate-keys';
const QUEUE = 'ticketaka-gate-queue';
const ADMITTED_OFFLINE = 'ticketaka-gate-admitted-offline';
const PREFIX = 'TK1.';
const BODY = 48;
const SIGNATURE = 64;
const STEP_TOLERANCE = 1;

export interface QueuedScan {
  code: string;
  ticketId: string;
  matchNumber: number;
  gate: string;
  scannedAt: string;
}

export type OfflineVerdict =
  { ok: true; ticketId: string; category: number } | { ok: false; reason: string };

const read = <T>(key: string, fallback: T): T => {
  try {
    const text = localStorage.getItem(key);
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
};
const write = (key: string, value: unknown) => localStorage.setItem(key, JSON.stringify(value));

/** The published keys: fresh when the network answers, else the copy kept from last time. */
export async function gateKeys(): Promise<CodeKeys | undefined> {
  try {
    const response = await fetch('/api/tickets/code-keys', { credentials: 'same-origin' });
    const parsed = codeKeysResponseSchema.safeParse(await response.json());
    if (parsed.success) {
      write(KEYS, parsed.data);
      return parsed.data;
    }
  } catch {
    // offline: fall back to the kept copy
  }
  const kept = codeKeysResponseSchema.safeParse(read<unknown>(KEYS, null));
  return kept.success ? kept.data : undefined;
}

function fromBase64(base64: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function bytesOf(base64url: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(base64url)) return undefined;
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const uuid = (bytes: Uint8Array) => {
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

async function publicKey(pem: string): Promise<CryptoKey> {
  const der = fromBase64(pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, ''));
  if (!der) throw new Error('unreadable public key');
  return crypto.subtle.importKey('spki', der as BufferSource, { name: 'Ed25519' }, false, [
    'verify',
  ]);
}

/** The same checks as the server's `verifyCode`, then the match and this gate's own memory. */
export async function verifyOffline(
  code: string,
  keys: CodeKeys,
  matchNumber: number,
  nowMs = Date.now(),
): Promise<OfflineVerdict> {
  const bytes = code.startsWith(PREFIX) ? bytesOf(code.slice(PREFIX.length).trim()) : undefined;
  if (!bytes || bytes.length !== BODY + SIGNATURE || bytes[0] !== 1)
    return { ok: false, reason: 'This is not a Ticketaka ticket code' };
  const body = bytes.subarray(0, BODY);
  const view = new DataView(body.buffer, body.byteOffset, BODY);
  const keyId = hex(body.subarray(1, 5));
  const key = keys.keys.find((k) => k.keyId === keyId);
  if (!key)
    return {
      ok: false,
      reason: 'This code was signed by a key the gates do not accept (forged or retired)',
    };
  let genuine = false;
  try {
    genuine = await crypto.subtle.verify(
      { name: 'Ed25519' },
      await publicKey(key.publicKey),
      bytes.subarray(BODY) as BufferSource,
      body as BufferSource,
    );
  } catch {
    return { ok: false, reason: 'This browser cannot check codes offline (no Ed25519)' };
  }
  if (!genuine)
    return {
      ok: false,
      reason: 'The code’s signature does not match its content (forged or altered)',
    };
  const step = view.getUint32(44);
  const now = Math.floor(nowMs / 1000 / keys.stepSeconds);
  if (step !== 0 && Math.abs(step - now) > STEP_TOLERANCE)
    return {
      ok: false,
      reason: 'This code has expired: ask the fan to open the ticket in the app (no screenshots)',
    };
  const codeMatch = view.getUint16(21);
  if (codeMatch !== matchNumber)
    return { ok: false, reason: `This ticket is for match ${codeMatch}, not match ${matchNumber}` };
  const ticketId = uuid(body.subarray(5, 21));
  if (read<string[]>(ADMITTED_OFFLINE, []).includes(ticketId))
    return { ok: false, reason: 'Already admitted at this gate while offline' };
  return { ok: true, ticketId, category: body[23] as number };
}

/** Remembers an offline admission: refused if scanned again here, sent when back online. */
export function queueAdmission(scan: QueuedScan) {
  write(ADMITTED_OFFLINE, [...read<string[]>(ADMITTED_OFFLINE, []), scan.ticketId]);
  write(QUEUE, [...read<QueuedScan[]>(QUEUE, []), scan]);
}

export const queuedScans = () => read<QueuedScan[]>(QUEUE, []);

/** Takes a scan off the queue once the server has answered it (admitted or refused). */
export function settleScan(scan: QueuedScan) {
  write(
    QUEUE,
    queuedScans().filter((s) => !(s.ticketId === scan.ticketId && s.scannedAt === scan.scannedAt)),
  );
  write(
    ADMITTED_OFFLINE,
    read<string[]>(ADMITTED_OFFLINE, []).filter((id) => id !== scan.ticketId),
  );
}

import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * The code in a ticket's QR: a compact payload signed with Ed25519 by a key of its own
 * (never the session key), so a gate device that holds only the published public key can
 * tell a genuine code from a forged or edited one, even offline.
 *
 *   "TK1." + base64url( body(48 bytes) ‖ signature(64 bytes) )
 *   body: format(1) · key id(4) · ticket id(16) · match(2) · category(1) · holder id(16)
 *         · ticket version(4) · time step(4)
 *
 * The time step is floor(unix seconds / step length) for the code shown in the app, which
 * therefore changes every step (a screenshot goes stale); 0 marks the static code printed on
 * the PDF. The version and holder let the server refuse a code once the ticket changed hands.
 */
export const CODE_PREFIX = 'TK1.';
const FORMAT = 1;
const BODY_LENGTH = 48;
const SIGNATURE_LENGTH = 64;
export const STATIC_STEP = 0;
/** A live code is accepted during its own step and one step either side (clock drift, queueing). */
export const STEP_TOLERANCE = 1;

export interface CodeClaims {
  keyId: string;
  ticketId: string;
  matchNumber: number;
  category: number;
  holderId: string;
  version: number;
  /** 0 for the printed (static) code. */
  step: number;
}

export type CodeRefusal = 'code_malformed' | 'code_unknown_key' | 'code_tampered' | 'code_expired';
export type CodeCheck = { ok: true; claims: CodeClaims } | { ok: false; reason: CodeRefusal };

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The first 4 bytes of SHA-256 over the public key (DER), as hex: short, and stable across restarts. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest().subarray(0, 4).toString('hex');
}

export const stepAt = (epochMs: number, stepSeconds: number) =>
  Math.floor(epochMs / 1000 / stepSeconds);

const uuidBytes = (uuid: string) => Buffer.from(uuid.replace(/-/g, ''), 'hex');
function uuidFrom(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function signCode(key: SigningKey, claims: Omit<CodeClaims, 'keyId'>): string {
  const body = Buffer.alloc(BODY_LENGTH);
  body.writeUInt8(FORMAT, 0);
  Buffer.from(key.keyId, 'hex').copy(body, 1);
  uuidBytes(claims.ticketId).copy(body, 5);
  body.writeUInt16BE(claims.matchNumber, 21);
  body.writeUInt8(claims.category, 23);
  uuidBytes(claims.holderId).copy(body, 24);
  body.writeUInt32BE(claims.version, 40);
  body.writeUInt32BE(claims.step, 44);
  const signature = sign(null, body, key.privateKey);
  return CODE_PREFIX + Buffer.concat([body, signature]).toString('base64url');
}

/** Reads the claims without checking anything; only for display and tests. */
export function readClaims(code: string): CodeClaims | undefined {
  const raw = decode(code);
  return raw && claimsOf(raw.body);
}

function decode(code: string): { body: Buffer; signature: Buffer } | undefined {
  if (typeof code !== 'string' || !code.startsWith(CODE_PREFIX)) return undefined;
  const text = code.slice(CODE_PREFIX.length).trim();
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== BODY_LENGTH + SIGNATURE_LENGTH || bytes.readUInt8(0) !== FORMAT)
    return undefined;
  return { body: bytes.subarray(0, BODY_LENGTH), signature: bytes.subarray(BODY_LENGTH) };
}

const claimsOf = (body: Buffer): CodeClaims => ({
  keyId: body.subarray(1, 5).toString('hex'),
  ticketId: uuidFrom(body.subarray(5, 21)),
  matchNumber: body.readUInt16BE(21),
  category: body.readUInt8(23),
  holderId: uuidFrom(body.subarray(24, 40)),
  version: body.readUInt32BE(40),
  step: body.readUInt32BE(44),
});

/**
 * Checks a scanned code against the verification keys (current and still-accepted previous
 * ones) and the clock. It says nothing about the ticket's state: that is the database's.
 */
export function verifyCode(
  code: string,
  keys: ReadonlyMap<string, KeyObject>,
  options: { atMs: number; stepSeconds: number },
): CodeCheck {
  const raw = decode(code);
  if (!raw) return { ok: false, reason: 'code_malformed' };
  const claims = claimsOf(raw.body);
  const key = keys.get(claims.keyId);
  if (!key) return { ok: false, reason: 'code_unknown_key' };
  if (!verify(null, raw.body, key, raw.signature)) return { ok: false, reason: 'code_tampered' };
  if (claims.step !== STATIC_STEP) {
    const now = stepAt(options.atMs, options.stepSeconds);
    if (Math.abs(claims.step - now) > STEP_TOLERANCE) return { ok: false, reason: 'code_expired' };
  }
  return { ok: true, claims };
}

export const publicKeyFromPem = (pem: string) => createPublicKey(pem);

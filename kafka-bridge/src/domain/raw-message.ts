import { createHash } from 'node:crypto';

/**
 * Partner bytes are hostile until proven otherwise. PostgreSQL refuses NUL in `text` and
 * `\u0000` in `jsonb`, and a dead letter that embeds a 1 MB value is too large for the broker:
 * either would make the same message fail forever. So what we decode, store and forward is
 * bounded and always valid text; the raw bytes are only ever kept as `bytea`, truncated, with
 * the digest of the whole.
 */

/** The largest value we even try to parse: a ticket-sales or master-list message is < 2 kB. */
export const MAX_PARSED_VALUE_BYTES = 64 * 1024;
/** How much of a refused value we keep (database and dead letter). */
export const KEPT_VALUE_BYTES = 16 * 1024;
const MAX_HEADERS = 20;
const MAX_HEADER_NAME = 100;
// Room for our signed read positions on a topic of many partitions (about 12 bytes each).
const MAX_HEADER_VALUE = 4096;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export type DecodedValue =
  | { ok: true; text: string | null }
  | { ok: false; code: 'too_large' | 'invalid_encoding'; reason: string };

/** Strict UTF-8 without NUL, at most MAX_PARSED_VALUE_BYTES; anything else is refused unparsed. */
export function decodeValue(value: Buffer | null): DecodedValue {
  if (value === null) return { ok: true, text: null };
  if (value.length > MAX_PARSED_VALUE_BYTES) {
    return {
      ok: false,
      code: 'too_large',
      reason: `the value has ${value.length} bytes; at most ${MAX_PARSED_VALUE_BYTES} are read`,
    };
  }
  let text: string;
  try {
    text = strictUtf8.decode(value);
  } catch {
    return { ok: false, code: 'invalid_encoding', reason: 'the value is not valid UTF-8' };
  }
  if (text.includes('\u0000'))
    return { ok: false, code: 'invalid_encoding', reason: 'the value contains NUL bytes' };
  return { ok: true, text };
}

/** A string safe for `text`, `jsonb` and logs, or undefined when it is not clean UTF-8. */
function cleanText(bytes: Buffer): string | undefined {
  try {
    const text = strictUtf8.decode(bytes);
    return text.includes('\u0000') ? undefined : text;
  } catch {
    return undefined;
  }
}

/** Bounded clean text, or `base64:<bytes>` when the bytes are not clean UTF-8. */
export function storableText(bytes: Buffer, max = MAX_HEADER_VALUE): string {
  const text = bytes.length <= max ? cleanText(bytes) : undefined;
  return text ?? `base64:${bytes.subarray(0, max).toString('base64')}`;
}

/**
 * Headers as bounded, storable strings. A name or value that is not clean UTF-8 is kept as
 * `base64:<bytes>`, which never equals a real identity, so it can never pass as one.
 */
export function sanitizeHeaders(
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  let count = 0;
  for (const [rawName, raw] of Object.entries(headers ?? {})) {
    if (count >= MAX_HEADERS) break;
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (first === undefined) continue;
    const bytes = typeof first === 'string' ? Buffer.from(first, 'utf8') : first;
    const name = rawName.includes('\u0000')
      ? `base64:${Buffer.from(rawName, 'utf8').toString('base64')}`
      : rawName;
    out[name.slice(0, MAX_HEADER_NAME)] = storableText(bytes);
    count += 1;
  }
  return out;
}

export interface KeptValue {
  /** The first KEPT_VALUE_BYTES of the raw value. */
  bytes: Buffer | null;
  size: number;
  sha256: string | null;
  truncated: boolean;
  /** The value as text, only when all of it is clean UTF-8 and was kept whole. */
  text: string | null;
}

export function keepValue(value: Buffer | null): KeptValue {
  if (value === null) return { bytes: null, size: 0, sha256: null, truncated: false, text: null };
  const truncated = value.length > KEPT_VALUE_BYTES;
  const bytes = Buffer.from(value.subarray(0, KEPT_VALUE_BYTES));
  return {
    bytes,
    size: value.length,
    sha256: createHash('sha256').update(value).digest('hex'),
    truncated,
    text: truncated ? null : (cleanText(bytes) ?? null),
  };
}

/** Bounded text for reasons and logs. */
export const clip = (text: string, max = 500) =>
  text.length > max ? `${text.slice(0, max)}…` : text;

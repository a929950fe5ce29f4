import { createHash } from 'node:crypto';

/**
 * A UUID derived from its inputs (version-5 layout over SHA-256), for events that must get
 * the same id however often they are produced, so JetStream and consumers drop repeats.
 */
export function deterministicId(...parts: string[]): string {
  const hex = createHash('sha256')
    .update(parts.join('\u0000'))
    .digest('hex')
    .slice(0, 32)
    .split('');
  hex[12] = '5';
  hex[16] = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

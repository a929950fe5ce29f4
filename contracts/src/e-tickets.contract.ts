import { z } from 'zod';
import { category, isoDateTime, matchNumber, uuid } from './primitives';

/** GET /api/tickets/:id/code: the live signed code (changes every 30 s) and its QR as SVG. */
export const liveCodeResponseSchema = z.object({
  ticketId: uuid,
  code: z.string(),
  version: z.number().int(),
  refreshAt: isoDateTime,
  qrSvg: z.string().startsWith('<svg'),
});
export type LiveCode = z.infer<typeof liveCodeResponseSchema>;

/** POST /api/check-in (stewards). */
export const checkInRequestSchema = z.strictObject({
  code: z.string().min(1).max(512),
  matchNumber,
  gate: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _-]{0,39}$/, 'letters, digits, spaces, - and _'),
  scannedAt: isoDateTime.optional(),
});
export const checkInResponseSchema = z.object({
  admitted: z.literal(true),
  ticket: z.object({ id: uuid, matchNumber, category }),
  admittedAt: isoDateTime,
  gate: z.string().nullable(),
});
export type CheckInAnswer = z.infer<typeof checkInResponseSchema>;

/** GET /api/tickets/code-keys (public): what a gate needs to verify codes offline. */
export const codeKeysResponseSchema = z.object({
  algorithm: z.literal('Ed25519'),
  format: z.string(),
  stepSeconds: z.number().int().positive(),
  keys: z.array(
    z.object({
      keyId: z.string().regex(/^[0-9a-f]{8}$/),
      algorithm: z.literal('Ed25519'),
      publicKey: z.string().includes('PUBLIC KEY'),
      current: z.boolean(),
    }),
  ),
});
export type CodeKeys = z.infer<typeof codeKeysResponseSchema>;

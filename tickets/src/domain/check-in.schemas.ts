import { matchNumber } from '@ticketaka/common';
import { z } from 'zod';

export const checkInSchema = z.strictObject({
  /** The scanned text of the QR code, as read by the gate's scanner. */
  code: z.string().min(1).max(512),
  /** The match this gate is admitting to; a code for another match is refused. */
  matchNumber,
  gate: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 _-]{0,39}$/, 'letters, digits, spaces, - and _ (at most 40)'),
  /** Set by a gate that scanned while offline and syncs later: when it scanned. */
  scannedAt: z.string().datetime({ offset: true }).optional(),
});
export type CheckInInput = z.infer<typeof checkInSchema>;

import { z } from 'zod';

export const uuid = z.string().uuid();
export const version = z.number().int().nonnegative();
export const matchNumber = z.number().int().min(1).max(999);
/** The wire format's categories 1-3 (category1..category3 in the master list). */
export const category = z.number().int().min(1).max(3);
/** Money is always integer minor units (cents) plus an ISO currency code. */
export const amountCents = z.number().int().nonnegative();
export const currency = z.string().regex(/^[A-Z]{3}$/);
export const availabilityState = z.enum(['available', 'temporarily_unavailable', 'sold_out']);
export type AvailabilityState = z.infer<typeof availabilityState>;

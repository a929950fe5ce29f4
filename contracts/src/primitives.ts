import { z } from 'zod';

export const uuid = z.string().uuid();
export const matchNumber = z.number().int().min(1).max(999);
export const category = z.number().int().min(1).max(3);
export const cents = z.number().int().nonnegative();
export const currency = z.string().length(3);
export const isoDateTime = z.string().datetime({ offset: true });
export const availabilityState = z.enum(['available', 'temporarily_unavailable', 'sold_out']);
export type AvailabilityState = z.infer<typeof availabilityState>;

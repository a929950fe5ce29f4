import { matchNumber } from '@ticketaka/common';
import { z } from 'zod';
import { notificationKind } from './notification-kinds';

export const updatePreferencesSchema = z.strictObject({
  email: z.partialRecord(notificationKind, z.boolean()),
});

export const followSchema = z.union([
  z.strictObject({ matchNumber }),
  z.strictObject({ team: z.string().trim().min(2).max(60) }),
]);
export type FollowInput = z.infer<typeof followSchema>;

export const markReadSchema = z.union([
  z.strictObject({ ids: z.array(z.string().uuid()).min(1).max(200) }),
  z.strictObject({ all: z.literal(true) }),
]);

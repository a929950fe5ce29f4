import { z } from 'zod';
import { isoDateTime, matchNumber, uuid } from './primitives';

/** Every kind of message a fan can get; each can be switched off for e-mail separately. */
export const notificationKinds = [
  'order_confirmed',
  'hold_ending',
  'hold_expired',
  'payment_declined',
  'refund_issued',
  'resale_sold',
  'ticket_received',
  'seats_back',
  'kickoff_soon',
] as const;
export const notificationKindSchema = z.enum(notificationKinds);
export type NotificationKind = z.infer<typeof notificationKindSchema>;

/** PUT /api/notifications/preferences: only the kinds named change. */
export const updatePreferencesSchema = z.strictObject({
  email: z.partialRecord(notificationKindSchema, z.boolean()),
});
export type UpdatePreferencesInput = z.infer<typeof updatePreferencesSchema>;

/** POST and DELETE /api/notifications/follows: a match or a team. */
export const followSchema = z.union([
  z.strictObject({ matchNumber }),
  z.strictObject({ team: z.string().trim().min(2).max(60) }),
]);
export type FollowInput = z.infer<typeof followSchema>;

/** POST /api/notifications/read */
export const markReadSchema = z.union([
  z.strictObject({ ids: z.array(z.string().uuid()).min(1).max(200) }),
  z.strictObject({ all: z.literal(true) }),
]);
export type MarkReadInput = z.infer<typeof markReadSchema>;

export const notificationViewSchema = z.object({
  id: uuid,
  kind: notificationKindSchema,
  title: z.string(),
  body: z.string(),
  /** A path on the site (e.g. `/matches/12`), or none. */
  link: z.string().nullable(),
  createdAt: isoDateTime,
  read: z.boolean(),
});
export type NotificationView = z.infer<typeof notificationViewSchema>;

/** GET /api/notifications, and the stream's `snapshot` event. */
export const bellResponseSchema = z.object({
  unread: z.number().int().nonnegative(),
  notifications: z.array(notificationViewSchema),
});
export type BellView = z.infer<typeof bellResponseSchema>;

export const markReadResponseSchema = bellResponseSchema.extend({
  marked: z.number().int().nonnegative(),
});

export const preferencesResponseSchema = z.object({
  preferences: z.array(
    z.object({ kind: notificationKindSchema, label: z.string(), email: z.boolean() }),
  ),
});
export type PreferencesView = z.infer<typeof preferencesResponseSchema>;

export const followTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('match'), matchNumber }),
  z.object({ kind: z.literal('team'), team: z.string() }),
]);
export type FollowTarget = z.infer<typeof followTargetSchema>;
export const followsResponseSchema = z.object({ follows: z.array(followTargetSchema) });

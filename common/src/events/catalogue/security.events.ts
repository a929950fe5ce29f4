import { z } from 'zod';
import { defineEvent } from '../define-event';
import { uuid } from './shared-schemas';

/**
 * Facts about refused requests, for analytics and the admin dashboard. They are not
 * entity state (no version): the gateway refused the request and nothing was written.
 * `ip` is the client address as the gateway saw it after its trusted-proxy handling.
 */
const decision = {
  /** Quoted to the client as its reference, so support can find the decision. */
  reference: z.string().min(1).max(64),
  ip: z.string().max(64),
  userId: uuid.nullable(),
  method: z.string().max(16),
  path: z.string().max(300),
  policy: z.string().max(32),
  reason: z.string().max(64),
};

export const requestBlocked = defineEvent('security.request.blocked', z.object(decision));
export const requestChallenged = defineEvent('security.request.challenged', z.object(decision));
export const requestRateLimited = defineEvent(
  'security.request.rate-limited',
  z.object({ ...decision, retryAfterSeconds: z.number().int().nonnegative() }),
);

/** The blocklist changed (admin or automatic ban); every replica reloads it. */
export const blocklistChanged = defineEvent(
  'security.blocklist.changed',
  z.object({ entryId: uuid, change: z.enum(['added', 'removed']) }),
);

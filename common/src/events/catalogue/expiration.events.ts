import { z } from 'zod';
import { defineEvent } from '../define-event';
import { uuid } from './shared-schemas';

/** An order's lock ran out; orders expires it if it is still unpaid. */
export const expirationOrderExpired = defineEvent(
  'expiration.order.expired',
  z.object({ orderId: uuid, expiresAt: z.string().datetime({ offset: true }) }),
);

import { z } from 'zod';
import { uuid } from '../events/catalogue/shared-schemas';

/**
 * Payments asks orders whether an order it has not heard of yet exists and belongs to the
 * caller, so an unknown id is answered at once instead of waiting for events that will
 * never come. The answer is yes or no only: nobody learns whose an order is.
 */
export const ORDER_OWNERSHIP_SUBJECT = 'rpc.orders.ownership';

export const orderOwnershipRequestSchema = z.object({ orderId: uuid, userId: uuid });
export type OrderOwnershipRequest = z.infer<typeof orderOwnershipRequestSchema>;

export const orderOwnershipResponseSchema = z.object({ owned: z.boolean() });
export type OrderOwnershipResponse = z.infer<typeof orderOwnershipResponseSchema>;

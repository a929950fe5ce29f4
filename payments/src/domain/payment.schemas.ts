import { z } from 'zod';

// The request body is a contract shared with the web client.
export { payOrderSchema, type PayOrderInput } from '@ticketaka/contracts';

export const orderIdParamsSchema = z.strictObject({ orderId: z.string().uuid() });

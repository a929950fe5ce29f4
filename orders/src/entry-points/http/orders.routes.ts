import { Router } from 'express';
import {
  handle,
  parseOrThrow,
  requireAuth,
  requireRole,
  type CurrentUser,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { OrdersConfig } from '../../config';
import { cancelOrder } from '../../domain/cancel-order.use-case';
import { z } from 'zod';
import {
  allowanceQuerySchema,
  listOrdersQuerySchema,
  orderIdParamsSchema,
  orderView,
  parseIdempotencyKey,
  placeOrderSchemaFor,
} from '../../domain/order.schemas';
import { placeOrder } from '../../domain/place-order.use-case';
import { getOrder, getOrders } from '../../domain/read-orders.use-case';
import { deadLetters, fanAllowance, orderStats } from '../../domain/read-order-stats.use-case';

const statsQuerySchema = z.strictObject({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(48),
});

export function ordersRouter(runtime: ServiceRuntime<OrdersConfig>): Router {
  const router = Router();
  // requireAuth runs first, so every handler below has a user.
  const signedIn = (user: CurrentUser | null) => user as CurrentUser;

  router.post(
    '/api/orders',
    requireAuth,
    handle(
      {},
      async ({ req, res, user }) => {
        const body = req.body ?? {};
        const input = parseOrThrow(placeOrderSchemaFor(body), body);
        const key = parseIdempotencyKey(req.header('idempotency-key'));
        const { order, replayed } = await placeOrder(runtime, signedIn(user), input, key);
        if (replayed) res.setHeader('Idempotent-Replayed', 'true');
        return { order: orderView(order) };
      },
      201,
    ),
  );

  router.get(
    '/api/orders',
    requireAuth,
    handle({ query: listOrdersQuerySchema }, async ({ query, user }) => ({
      orders: (await getOrders(runtime, signedIn(user), query)).map(orderView),
    })),
  );

  // Declared before /api/orders/:id, whose id they would otherwise be taken for.
  router.get(
    '/api/orders/allowance',
    requireAuth,
    handle({ query: allowanceQuerySchema }, ({ query, user }) =>
      fanAllowance(runtime, signedIn(user), query.matchNumber),
    ),
  );

  router.get(
    '/api/orders/admin/stats',
    requireRole('admin'),
    handle({ query: statsQuerySchema }, ({ query }) => orderStats(runtime, query.hours)),
  );

  router.get(
    '/api/orders/admin/dead-letters',
    requireRole('admin'),
    handle({}, () => deadLetters(runtime)),
  );

  router.get(
    '/api/orders/:id',
    requireAuth,
    handle({ params: orderIdParamsSchema }, async ({ params, user }) => ({
      order: orderView(await getOrder(runtime, signedIn(user), params.id)),
    })),
  );

  router.delete(
    '/api/orders/:id',
    requireAuth,
    handle({ params: orderIdParamsSchema }, async ({ params, user }) => ({
      order: orderView(await cancelOrder(runtime, signedIn(user), params.id)),
    })),
  );

  return router;
}

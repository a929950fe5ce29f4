import { ordersEvents } from '@ticketaka/common';
import { eventually, readSubject } from '@ticketaka/common/testing';
import { startTicketsService } from '../../tickets/src/tickets-service';
import { newFan, placeOrder, setCapacity, startPlatform, type Platform } from './support/platform';

let p: Platform;
let restartedTickets: Awaited<ReturnType<typeof startTicketsService>> | undefined;

beforeAll(async () => {
  p = await startPlatform('orders-unanswered', { env: { HOLD_REQUEST_TIMEOUT_MS: '500' } });
});
afterAll(async () => {
  await restartedTickets?.close();
  await p.close();
});

test('when a hold request went unanswered and the retry is refused, then the order is cancelled and announced (tickets releases any late hold), not silently deleted', async () => {
  await setCapacity(p, 20, 2, 1);
  const first = newFan(p.env);
  expect((await placeOrder(p, first, { matchNumber: 20, category: 2, quantity: 1 })).status).toBe(
    201,
  );

  // Tickets is unreachable: the hold request gets no answer, so a hold may or may not exist.
  await p.tickets.close();
  const fan = newFan(p.env);
  const headers = { 'Idempotency-Key': 'unanswered-then-refused' };
  const unanswered = await placeOrder(
    p,
    fan,
    { matchNumber: 20, category: 2, quantity: 1 },
    headers,
  );
  expect(unanswered.status).toBe(503);
  const { rows } = await p.orders.runtime.pool.query(
    'SELECT id, status, hold_uncertain FROM orders WHERE user_id = $1',
    [fan.user.id],
  );
  expect(rows).toEqual([{ id: expect.any(String), status: 'created', hold_uncertain: true }]);

  restartedTickets = await startTicketsService(p.env.env);
  const refused = await placeOrder(p, fan, { matchNumber: 20, category: 2, quantity: 1 }, headers);
  expect(refused.status).toBe(409);
  expect(refused.body.errors?.[0].code).toBe('not_enough_tickets');

  const orderId = rows[0].id as string;
  const after = await p.orders.runtime.pool.query(
    'SELECT status, cancel_reason FROM orders WHERE id = $1',
    [orderId],
  );
  expect(after.rows).toEqual([{ status: 'cancelled', cancel_reason: 'not_enough_tickets' }]);
  await eventually(async () => {
    const cancelled = (
      await readSubject<{ data: { id: string } }>(
        p.orders.runtime.bus,
        ordersEvents.orderCancelled.type,
      )
    ).filter((e) => e.data.id === orderId);
    expect(cancelled).toHaveLength(1);
  });
});

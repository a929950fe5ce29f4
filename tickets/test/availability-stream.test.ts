import type { EventBus } from '@ticketaka/common';
import { ordersEvents } from '@ticketaka/common';
import {
  createTestEnvironment,
  eventually,
  openEventStream,
  type SseMessage,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { loadMasterList, masterListSchema } from '../src/domain/load-master-list.use-case';
import { startTicketsService } from '../src/tickets-service';
import {
  connectAs,
  consumed,
  masterListMatch,
  orderEvents,
  primaryHold,
  requestHold,
  requestPartnerSale,
  type Json,
  type TicketsService,
} from './tickets-test-kit';

let env: TestEnvironment;
let replicaA: TicketsService;
let replicaB: TicketsService;
let orders: EventBus;

beforeAll(async () => {
  env = await createTestEnvironment('tickets-stream');
  // Two replicas of the service on one database and one NATS namespace, as in the cluster.
  replicaA = await startTicketsService(env.env);
  replicaB = await startTicketsService({ ...env.env, SSE_HEARTBEAT_MS: '1000' });
  orders = await connectAs(env, 'orders');
  await loadMasterList(replicaA.runtime, masterListSchema.parse([masterListMatch(400, 3)]));
});
afterAll(async () => {
  await orders.close();
  await replicaA.close();
  await replicaB.close();
  await env.cleanup();
});

const ofCategory1 = (m: SseMessage) =>
  m.event === 'availability' && m.data.matchNumber === 400 && m.data.category === 1;

describe('GET /api/matches/stream', () => {
  test('when counts move, then a client of another replica sees available → temporarily_unavailable → sold_out within a second', async () => {
    const stream = await openEventStream(`${replicaB.url}/api/matches/stream?matchNumber=400`);
    try {
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const snapshot = await stream.next((m) => m.event === 'snapshot');
      expect(snapshot.data.categories).toHaveLength(3);
      expect(snapshot.data.categories[0]).toMatchObject({
        matchNumber: 400,
        category: 1,
        available: 3,
        pending: 3,
        state: 'available',
      });

      // Every change below is made through the other replica (or by partners), never replica B.
      const step = async (act: () => Promise<unknown>, expected: object) => {
        const from = stream.messages.length;
        const started = Date.now();
        await act();
        const seen = await stream.next(
          (m) => ofCategory1(m) && Object.entries(expected).every(([k, v]) => m.data[k] === v),
          5000,
          from,
        );
        expect(seen.receivedAt - started).toBeLessThan(1000);
        return seen;
      };

      const hold = primaryHold(400, 1, 2);
      const first = await step(() => requestHold(orders, hold), {
        available: 3,
        pending: 1,
        state: 'available',
      });
      const second = await step(
        () =>
          requestPartnerSale(orders, {
            messageKey: 's-1',
            action: 'TICKET_PENDING',
            matchNumber: 400,
            category: 1,
            quantity: 1,
          }),
        { available: 3, pending: 0, state: 'temporarily_unavailable' },
      );
      await step(
        async () => {
          await orders.publish(orderEvents.completed(hold));
          await consumed(orders, ordersEvents.orderCompleted.type);
        },
        { available: 1, pending: 0, state: 'temporarily_unavailable' },
      );
      const last = await step(
        () =>
          requestPartnerSale(orders, {
            messageKey: 's-2',
            action: 'TICKET_RESERVED',
            matchNumber: 400,
            category: 1,
            quantity: 1,
          }),
        { available: 0, pending: 0, state: 'sold_out' },
      );
      expect(second.data.version).toBe(first.data.version + 1);
      expect(last.data.version).toBe(first.data.version + 3);
      expect(last.data).toMatchObject({ capacity: 3, priceCents: 7500, currency: 'USD' });
      // Only the filtered match was streamed.
      expect(
        stream.messages.filter((m) => m.event === 'availability' && m.data.matchNumber !== 400),
      ).toHaveLength(0);
    } finally {
      await stream.close();
    }
  });

  test('when the stream is idle, then heartbeat comments keep it open', async () => {
    const stream = await openEventStream(`${replicaB.url}/api/matches/stream?matchNumber=1`);
    try {
      const heartbeat = await stream.next(
        (m) => m.event === 'comment' && m.comment === 'heartbeat',
        3000,
      );
      expect(heartbeat).toBeDefined();
    } finally {
      await stream.close();
    }
  });

  test('when clients disconnect, then their listeners are removed', async () => {
    const before = replicaA.feed.listenerCount;
    const streams = await Promise.all(
      Array.from({ length: 5 }, () => openEventStream(`${replicaA.url}/api/matches/stream`)),
    );
    await Promise.all(streams.map((s) => s.next((m) => m.event === 'snapshot')));
    expect(replicaA.feed.listenerCount).toBe(before + 5);
    await Promise.all(streams.map((s) => s.close()));
    await eventually(() => expect(replicaA.feed.listenerCount).toBe(before));
  });

  test('when the stream query is invalid, then 400 before any stream starts', async () => {
    const response = await fetch(`${replicaA.url}/api/matches/stream?matchNumber=abc`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).errors[0].field).toBe('query.matchNumber');
  });

  test('when the service shuts down, then open streams end instead of holding the shutdown', async () => {
    const replicaC = await startTicketsService(env.env);
    const stream = await openEventStream(`${replicaC.url}/api/matches/stream`);
    await stream.next((m) => m.event === 'snapshot');
    const started = Date.now();
    await replicaC.close();
    expect(Date.now() - started).toBeLessThan(3000);
    await eventually(() => expect(stream.ended).toBe(true));
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { createMetrics, inTransaction } from '@ticketaka/common';
import { eventually, sleep } from '@ticketaka/common/testing';
import { createBridgeMetrics } from '../src/bridge-metrics';
import { kafkaBridgeConfigSchema } from '../src/config';
import { beginSending } from '../src/data-access/outbound.repository';
import { insertOwnHoldIfMissing } from '../src/data-access/own-holds.repository';
import { publishOwnChange } from '../src/domain/publish-own-change.use-case';
import { KafkaAdmin } from '../src/kafka/kafka-admin';
import { createKafka, partitionForKey } from '../src/kafka/kafka-client';
import { PartnerProducer } from '../src/kafka/partner-producer';
import { startKafkaBridgeService } from '../src/kafka-bridge-service';
import {
  createTopics,
  decisionLatencies,
  listedMatch,
  networkSigningKey,
  networkTopics,
  publishMasterList,
  RawPartner,
  readTopic,
  signedAsTicketaka,
  startPlatform,
  type Platform,
  type ReadMessage,
} from './support/partner-network';
import { startPrivateBroker } from './support/private-broker';

type Broker = Awaited<ReturnType<typeof startPrivateBroker>>;

const ourMessages = (messages: ReadMessage[]) =>
  messages
    .filter((m) => m.headers.clientId === 'ticketaka')
    .map((m) => ({
      holdId: m.headers.holdId,
      eventId: m.headers.eventId,
      action: (JSON.parse(m.value ?? '{}') as { meta: { action: string } }).meta.action,
    }));

describe('kafka-bridge outbound: our holds, sales and releases reach the partners once', () => {
  let broker: Broker;
  let platform: Platform;
  const topics = networkTopics(`outbound-${randomBytes(4).toString('hex')}`);

  beforeAll(async () => {
    broker = await startPrivateBroker();
    await createTopics(broker.url, topics);
    platform = await startPlatform('bridge outbound', {
      clientId: 'ticketaka',
      brokers: broker.url,
      topics,
      env: { KAFKA_PRODUCE_TIMEOUT_MS: '3000' },
    });
    await publishMasterList(broker.url, topics.masterList, [
      listedMatch(201, 20),
      listedMatch(202, 20),
    ]);
    await eventually(
      async () => expect((await platform.category(202, 1)).capacity).toBe(20),
      30_000,
    );
  }, 240_000);

  afterAll(async () => {
    await platform?.close();
    await broker?.remove();
  });

  it('when we hold, sell and release, then TICKET_PENDING / RESERVED / CANCELLED go out in the object shape, keyed by category, with our client id', async () => {
    const sold = await platform.hold(201, 1, 2);
    await eventually(
      async () => expect(await platform.holdStatus(sold.orderId)).toBe('confirmed'),
      20_000,
    );
    const released = await platform.hold(201, 1, 3);
    await eventually(
      async () => expect(await platform.holdStatus(released.orderId)).toBe('confirmed'),
      20_000,
    );
    process.stderr.write(
      `[outbound] one hold at a time, placed → confirmed in tickets: ${(await decisionLatencies(platform)).join(' ms, ')} ms\n`,
    );
    await platform.complete(sold.orderId, 201, 1, 2);
    await platform.cancel(released.orderId, 201, 1, 3);

    const messages = await eventually(async () => {
      const found = (await readTopic(broker.url, topics.ticketSales)).filter(
        (m) => m.headers.clientId === 'ticketaka',
      );
      expect(found).toHaveLength(4);
      return found;
    }, 30_000);
    const partition = partitionForKey(topics.ticketSales, '201-1', 3);
    for (const message of messages) {
      expect(message).toMatchObject({
        key: '201-1',
        partition,
        headers: { clientId: 'ticketaka' },
      });
    }
    const seen = messages.map((m) => ({
      holdId: m.headers.holdId,
      message: JSON.parse(m.value ?? '') as { meta: { action: string } },
    }));
    const shape = (action: string, quantity: number) => ({
      meta: { action },
      body: { matchNumber: 201, tickets: { category: 1, quantity, price: 75 } },
    });
    expect(seen).toEqual(
      expect.arrayContaining([
        { holdId: sold.orderId, message: shape('TICKET_PENDING', 2) },
        { holdId: sold.orderId, message: shape('TICKET_RESERVED', 2) },
        { holdId: released.orderId, message: shape('TICKET_PENDING', 3) },
        { holdId: released.orderId, message: shape('TICKET_CANCELLED', 3) },
      ]),
    );
    // A sale or release follows its own hold in the category's partition.
    const at = (holdId: string, action: string) =>
      seen.findIndex((m) => m.holdId === holdId && m.message.meta.action === action);
    expect(at(sold.orderId, 'TICKET_PENDING')).toBeLessThan(at(sold.orderId, 'TICKET_RESERVED'));
    expect(at(released.orderId, 'TICKET_PENDING')).toBeLessThan(
      at(released.orderId, 'TICKET_CANCELLED'),
    );
    expect(await platform.category(201, 1)).toMatchObject({ available: 18, pending: 18 });
  });

  it('when the broker stops while we sell and the bridge restarts meanwhile, then after the broker is back every change arrives exactly once', async () => {
    const before = await platform.hold(202, 1, 1);
    await eventually(
      async () => expect(await platform.holdStatus(before.orderId)).toBe('confirmed'),
      20_000,
    );

    await broker.stop();
    // Sales go on locally while the partner cluster is unreachable.
    const holds: { orderId: string; held: boolean; quantity: number }[] = [];
    for (let i = 0; i < 6; i += 1) {
      const quantity = 1 + (i % 3);
      holds.push({ ...(await platform.hold(202, 1, quantity)), quantity });
    }
    expect(holds.every((h) => h.held)).toBe(true);
    await platform.complete(before.orderId, 202, 1, 1);
    await platform.cancel(holds[0]!.orderId, 202, 1, holds[0]!.quantity);
    await sleep(3_000);

    // The bridge goes down and comes back while Kafka is still away.
    await platform.bridge.close();
    platform.bridge = await startKafkaBridgeService(platform.env.env);
    await sleep(2_000);
    await broker.restart();
    const back = Date.now();
    await platform.bridge.linked;

    await eventually(async () => {
      for (const hold of holds.slice(1))
        expect(await platform.holdStatus(hold.orderId)).toBe('confirmed');
      expect(await platform.holdStatus(holds[0]!.orderId)).toBe('released');
    }, 60_000);
    process.stderr.write(
      `[outbound outage] changes made while the broker was down decided ${Date.now() - back} ms after it answered again\n`,
    );
    for (const hold of holds.slice(1, 3))
      await platform.complete(hold.orderId, 202, 1, hold.quantity);

    const expected = [
      [before.orderId, 'TICKET_PENDING'],
      [before.orderId, 'TICKET_RESERVED'],
      ...holds.map((h) => [h.orderId, 'TICKET_PENDING']),
      [holds[0]!.orderId, 'TICKET_CANCELLED'],
      [holds[1]!.orderId, 'TICKET_RESERVED'],
      [holds[2]!.orderId, 'TICKET_RESERVED'],
    ];
    const ours = await eventually(async () => {
      const found = ourMessages(await readTopic(broker.url, topics.ticketSales)).filter((m) =>
        [before, ...holds].some((h) => h.orderId === m.holdId),
      );
      expect(found.length).toBeGreaterThanOrEqual(expected.length);
      return found;
    }, 60_000);
    expect(ours.map((m) => [m.holdId, m.action]).sort()).toEqual(expected.sort());
    expect(new Set(ours.map((m) => m.eventId)).size).toBe(ours.length);

    // The ledger every platform derives from the log agrees with tickets' counts once the
    // bridge has read the log as far as the messages above (it applies them asynchronously).
    await eventually(async () => {
      const counts = await platform.category(202, 1);
      const ledger = await platform.bridge.runtime.pool.query(
        'SELECT available, pending FROM ledger_categories WHERE match_number = 202 AND category = 1',
      );
      expect(ledger.rows[0]).toEqual({ available: counts.available, pending: counts.pending });
    }, 20_000);
  }, 180_000);

  it('when an attempt was interrupted after the broker took the message, then the retry finds it in the log and sends nothing more', async () => {
    const config = kafkaBridgeConfigSchema.parse(platform.env.env);
    const kafka = createKafka(config, platform.bridge.logger);
    const admin = new KafkaAdmin(kafka);
    const producer = new PartnerProducer(kafka, platform.bridge.logger, 3000);
    const deps = {
      pool: platform.bridge.runtime.pool,
      producer,
      topicEnds: (topic: string) => admin.ends(topic),
      topic: topics.ticketSales,
      clientId: 'ticketaka',
      signingKey: Buffer.from(networkSigningKey, 'base64'),
      partitionCount: () => 3,
      metrics: createBridgeMetrics(createMetrics('kafka-bridge-test')),
      stopping: () => false,
    };
    const change = {
      eventId: randomUUID(),
      orderId: randomUUID(),
      action: 'TICKET_PENDING' as const,
      matchNumber: 202,
      category: 2,
      quantity: 1,
    };
    // The crash: the attempt was recorded and the broker wrote the message, the bridge died before noting it.
    await inTransaction(deps.pool, async (client) => {
      await beginSending(client, change);
      await insertOwnHoldIfMissing(client, change);
    });
    const crashed = new RawPartner(broker.url, 'ticketaka', topics.ticketSales);
    await crashed.connect();
    // What the bridge would have written: signed, on the category's partition.
    const value = JSON.stringify({
      meta: { action: 'TICKET_PENDING' },
      body: { matchNumber: 202, tickets: { category: 2, quantity: 1, price: 125 } },
    });
    const partition = partitionForKey(topics.ticketSales, '202-2', 3);
    await crashed.sendRaw(value, {
      key: '202-2',
      partition,
      headers: signedAsTicketaka(
        { topic: topics.ticketSales, partition, key: '202-2', value },
        { clientId: 'ticketaka', eventId: change.eventId, holdId: change.orderId },
      ),
    });
    await crashed.disconnect();

    const outcome = await eventually(() => publishOwnChange(deps, change), 30_000, 200);
    expect(outcome).toBe('already_sent');
    expect(await publishOwnChange(deps, change)).toBe('already_sent');
    await producer.close();
    await admin.close();

    const copies = (await readTopic(broker.url, topics.ticketSales)).filter(
      (m) => m.headers.eventId === change.eventId,
    );
    expect(copies).toHaveLength(1);
  });
});

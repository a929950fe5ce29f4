import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import {
  createLogger,
  EventBus,
  HOLD_SUBJECT,
  holdResponseSchema,
  ordersEvents,
  type MasterListMatchInput,
} from '@ticketaka/common';
import { createTestEnvironment, type TestEnvironment } from '@ticketaka/common/testing';
import { Kafka, logLevel, Partitioners, type IHeaders, type Producer } from 'kafkajs';
import { startTicketsService } from '../../../tickets/src/tickets-service';
import { startKafkaBridgeService } from '../../src/kafka-bridge-service';
import {
  ORGANISER_SIGNATURE_HEADER,
  sign,
  signAsOrganiser,
  SIGNATURE_HEADER,
} from '../../src/domain/message-signature';
import { headersOf, partitionForKey } from '../../src/kafka/kafka-client';

/**
 * The secrets of this test file's network: the key the Ticketaka instances share, and the
 * organiser's Ed25519 pair (the platforms trust its public key; publishMasterList signs).
 */
export const networkSigningKey = randomBytes(32).toString('base64');
export const organiserKeys = generateKeyPairSync('ed25519', {
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

/** Headers of a message as a Ticketaka instance signs it (for tests that replay our own). */
export function signedAsTicketaka(
  target: { topic: string; partition: number; key: string; value: string },
  headers: Record<string, string>,
  signingKey = networkSigningKey,
): Record<string, string> {
  return {
    ...headers,
    [SIGNATURE_HEADER]: sign(Buffer.from(signingKey, 'base64'), { ...target, headers }),
  };
}

export { partitionForKey };

export type Tickets = Awaited<ReturnType<typeof startTicketsService>>;
export type Bridge = Awaited<ReturnType<typeof startKafkaBridgeService>>;

/** The shared topics of one test file: every platform in the file uses the same ones. */
export interface NetworkTopics {
  masterList: string;
  ticketSales: string;
}

export const networkTopics = (prefix: string): NetworkTopics => ({
  masterList: `${prefix}-masterlist`,
  ticketSales: `${prefix}-ticket-sales`,
});

/**
 * One Ticketaka instance on the partner network: its own database and NATS namespace, the
 * real tickets service and the bridge, with its own client id on the shared topics.
 */
export interface Platform {
  clientId: string;
  env: TestEnvironment;
  tickets: Tickets;
  bridge: Bridge;
  /** A NATS connection acting as orders. */
  bus: EventBus;
  deadLetterTopic: string;
  startBridge(): Promise<Bridge>;
  hold(
    matchNumber: number,
    category: number,
    quantity: number,
    orderId?: string,
  ): Promise<{ orderId: string; held: boolean }>;
  /** Completes the order of a hold (as orders does when paid): tickets sells it. */
  complete(orderId: string, matchNumber: number, category: number, quantity: number): Promise<void>;
  cancel(orderId: string, matchNumber: number, category: number, quantity: number): Promise<void>;
  category(matchNumber: number, category: number): Promise<CategoryView>;
  inventory(matchNumber: number, category: number): Promise<InventoryRow>;
  holdStatus(orderId: string): Promise<string | undefined>;
  close(): Promise<void>;
}

export interface CategoryView {
  category: number;
  capacity: number;
  available: number;
  pending: number;
  state: string;
}

export interface InventoryRow {
  capacity: number;
  sold: number;
  held: number;
  partner_held: number;
  partner_sold: number;
}

export async function startPlatform(
  label: string,
  settings: {
    clientId: string;
    brokers: string;
    topics: NetworkTopics;
    env?: Record<string, string | undefined>;
  },
): Promise<Platform> {
  const env = await createTestEnvironment(label);
  const deadLetterTopic = `${settings.topics.ticketSales}-dlq-${settings.clientId}`;
  Object.assign(env.env, {
    // The catalogue must come from the master-list topic, not from tickets' bundled seed.
    LOAD_MASTER_LIST_ON_START: 'false',
    KAFKA_BROKERS: settings.brokers,
    KAFKA_CLIENT_ID: settings.clientId,
    KAFKA_MASTER_LIST_TOPIC: settings.topics.masterList,
    KAFKA_TICKET_SALES_TOPIC: settings.topics.ticketSales,
    KAFKA_DEAD_LETTER_TOPIC: deadLetterTopic,
    PARTNER_SIGNING_KEY: networkSigningKey,
    KAFKA_ORGANISER_PUBLIC_KEY: organiserKeys.publicKey,
    ...settings.env,
  });
  const tickets = await startTicketsService(env.env);
  const bus = await EventBus.connect({
    servers: env.env.NATS_URL as string,
    namespace: env.namespace,
    service: 'orders',
    logger: createLogger('orders', { level: 'silent' }),
  });
  const orders = new Map<string, string>();

  const orderEvent = (
    orderId: string,
    matchNumber: number,
    category: number,
    quantity: number,
  ) => ({
    id: orderId,
    userId: orders.get(orderId) ?? randomUUID(),
    kind: 'primary' as const,
    matchNumber,
    category,
    quantity,
    ticketId: null,
    amountCents: 7500 * quantity,
    currency: 'USD',
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    version: 3,
  });

  const platform: Platform = {
    clientId: settings.clientId,
    env,
    tickets,
    bus,
    deadLetterTopic,
    bridge: undefined as unknown as Bridge,
    startBridge: async () => {
      platform.bridge = await startKafkaBridgeService(env.env);
      await platform.bridge.linked;
      return platform.bridge;
    },
    hold: async (matchNumber, category, quantity, orderId = randomUUID()) => {
      const userId = randomUUID();
      orders.set(orderId, userId);
      const answer = await bus.request(
        HOLD_SUBJECT,
        { kind: 'primary', orderId, userId, matchNumber, category, quantity },
        holdResponseSchema,
        15_000,
      );
      return { orderId, held: answer.held };
    },
    complete: async (orderId, matchNumber, category, quantity) => {
      await bus.publish(
        ordersEvents.orderCompleted.create({
          ...orderEvent(orderId, matchNumber, category, quantity),
          status: 'complete',
          paymentId: randomUUID(),
        }),
      );
    },
    cancel: async (orderId, matchNumber, category, quantity) => {
      await bus.publish(
        ordersEvents.orderCancelled.create({
          ...orderEvent(orderId, matchNumber, category, quantity),
          status: 'cancelled',
          reason: 'the fan cancelled',
        }),
      );
    },
    category: async (matchNumber, category) => {
      const response = await fetch(`${tickets.url}/api/matches/${matchNumber}`);
      if (response.status !== 200)
        throw new Error(`GET /api/matches/${matchNumber}: ${response.status}`);
      const body = (await response.json()) as {
        match?: { categories: CategoryView[] };
        categories?: CategoryView[];
      };
      const categories = body.match?.categories ?? body.categories ?? [];
      const found = categories.find((c) => c.category === category);
      if (!found)
        throw new Error(
          `match ${matchNumber} has no category ${category}: ${JSON.stringify(body)}`,
        );
      return found;
    },
    inventory: async (matchNumber, category) => {
      const { rows } = await tickets.runtime.pool.query<InventoryRow>(
        'SELECT capacity, sold, held, partner_held, partner_sold FROM inventory WHERE match_number = $1 AND category = $2',
        [matchNumber, category],
      );
      if (!rows[0]) throw new Error(`no inventory ${matchNumber}/${category}`);
      return rows[0];
    },
    holdStatus: async (orderId) => {
      const { rows } = await tickets.runtime.pool.query<{ status: string }>(
        'SELECT status FROM holds WHERE order_id = $1',
        [orderId],
      );
      return rows[0]?.status;
    },
    close: async () => {
      await platform.bridge?.close().catch(() => undefined);
      await bus.close().catch(() => undefined);
      await tickets.close().catch(() => undefined);
      await env.cleanup();
    },
  };
  await platform.startBridge();
  return platform;
}

/** A partner platform that is nothing but a kafkajs producer, as other teams' code would be. */
export class RawPartner {
  private producer: Producer;

  constructor(
    brokers: string,
    readonly clientId: string,
    private readonly topic: string,
  ) {
    this.producer = new Kafka({
      clientId,
      brokers: [brokers],
      logLevel: logLevel.NOTHING,
    }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect = () => this.producer.connect();
  disconnect = () => this.producer.disconnect();

  /** A raw value (any string or bytes, even not JSON), with no key unless told. */
  async sendRaw(
    value: string | Buffer | null,
    options: {
      key?: string | null;
      headers?: IHeaders;
      partition?: number;
      timestamp?: number;
      /** Leave out our clientId header. */
      anonymous?: boolean;
    } = {},
  ) {
    const [meta] = await this.producer.send({
      topic: this.topic,
      messages: [
        {
          key: options.key ?? null,
          value,
          partition: options.partition,
          timestamp: options.timestamp === undefined ? undefined : String(options.timestamp),
          headers: { ...(!options.anonymous && { clientId: this.clientId }), ...options.headers },
        },
      ],
    });
    if (!meta) throw new Error('no record metadata');
    return meta;
  }

  send(
    action: string,
    matchNumber: number,
    category: number,
    quantity: number,
    extra: {
      body?: object;
      headers?: IHeaders;
      key?: string | null;
      timestamp?: number;
      partition?: number;
    } = {},
  ) {
    const message = {
      meta: { action },
      body: { matchNumber, tickets: { category, quantity, price: 75 }, ...extra.body },
    };
    return this.sendRaw(JSON.stringify(message), {
      key: extra.key === undefined ? `${matchNumber}-${category}` : extra.key,
      headers: extra.headers,
      timestamp: extra.timestamp,
      partition: extra.partition,
    });
  }
}

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Everything stored on a topic right now, read with a throw-away consumer group. */
export async function readTopic(brokers: string, topic: string): Promise<ReadMessage[]> {
  const kafka = new Kafka({
    clientId: 'test-reader',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const expected = ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
  const out: ReadMessage[] = [];
  if (expected === 0) return out;
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      out.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers: headersOf(message.headers),
      });
      if (out.length >= expected) done();
    },
  });
  const timer = setTimeout(done, 20_000);
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  return out.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

export async function createTopics(brokers: string, topics: NetworkTopics, partitions = 3) {
  const admin = new Kafka({
    clientId: 'test-admin',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: topics.masterList, numPartitions: 1, replicationFactor: 1 },
      { topic: topics.ticketSales, numPartitions: partitions, replicationFactor: 1 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
}

/** The organiser publishing master-list messages (one per match), signed with its key unless told. */
export async function publishMasterList(
  brokers: string,
  topic: string,
  matches: unknown[],
  options: { privateKey?: string | null; clientId?: string } = {},
) {
  const privateKey =
    options.privateKey === undefined ? organiserKeys.privateKey : options.privateKey;
  const producer = new Kafka({
    clientId: 'organiser',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
  }).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  await producer.send({
    topic,
    messages: matches.map((m) => {
      const key = String((m as { matchNumber?: unknown }).matchNumber ?? '');
      const value = JSON.stringify(m);
      return {
        key,
        value,
        headers: {
          clientId: options.clientId ?? 'organiser',
          ...(privateKey && {
            [ORGANISER_SIGNATURE_HEADER]: signAsOrganiser(privateKey, { topic, key, value }),
          }),
        },
      };
    }),
  });
  await producer.disconnect();
}

export function listedMatch(matchNumber: number, capacity: number): MasterListMatchInput {
  const category = (price: number) => ({ available: capacity, pending: 0, price });
  return {
    matchNumber,
    roundNumber: 1,
    dateUtc: '2022-11-22T16:00:00Z',
    location: 'Stadium 974',
    homeTeam: 'Mexico',
    awayTeam: 'Poland',
    group: 'C',
    availability: { category1: category(75), category2: category(125), category3: category(195) },
  };
}

/** The ledger as the bridge's admin route shows it, for comparisons between platforms. */
export async function ledgerOf(platform: Platform, matchNumber: number) {
  const token = platform.env.tokenFor({
    id: randomUUID(),
    email: 'ops@example.com',
    displayName: 'Ops',
    country: 'QA',
    role: 'admin',
  });
  const response = await fetch(
    `${platform.bridge.url}/api/partner-sync/status?matchNumber=${matchNumber}`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  if (response.status !== 200)
    throw new Error(`status ${response.status}: ${await response.text()}`);
  return (await response.json()) as {
    messages: Record<string, number>;
    ownHolds: Record<string, number>;
    outbound: Record<string, number>;
    ticketsBacklog: number;
    ledger: {
      category: number;
      capacity: number;
      available: number;
      pending: number;
      holdings: { platform: string; held: number; sold: number }[];
    }[];
  };
}

/** From the hold's row in tickets to the moment the bridge had told tickets the log's decision (one clock: PostgreSQL's). */
export async function decisionLatencies(platform: Platform): Promise<number[]> {
  const { rows: decided } = await platform.bridge.runtime.pool.query<{
    order_id: string;
    at: Date;
  }>('SELECT order_id, fate_notified_at AS at FROM own_holds WHERE fate_notified_at IS NOT NULL');
  const { rows: placed } = await platform.tickets.runtime.pool.query<{
    order_id: string;
    at: Date;
  }>('SELECT order_id, created_at AS at FROM holds WHERE order_id = ANY($1::uuid[])', [
    decided.map((d) => d.order_id),
  ]);
  return decided.flatMap((d) => {
    const from = placed.find((p) => p.order_id === d.order_id);
    return from ? [d.at.getTime() - from.at.getTime()] : [];
  });
}

/** Nothing left in flight: every message read, every decision told to tickets, everything sent. */
export async function settled(platform: Platform, brokers: string, topic: string) {
  const admin = new Kafka({
    clientId: 'test-admin',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const db = platform.bridge.runtime.pool;
  const { rows: positions } = await db.query<{ partition: number; next_offset: string }>(
    'SELECT "partition", next_offset FROM partition_positions WHERE topic = $1',
    [topic],
  );
  for (const end of ends) {
    const read = positions.find((p) => p.partition === end.partition)?.next_offset ?? end.low;
    expect(`${end.partition}:${read}`).toBe(`${end.partition}:${end.high}`);
  }
  const { rows } = await db.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM tickets_effects WHERE status = 'pending')
          + (SELECT count(*) FROM own_holds WHERE fate = 'unknown' OR fate_notified_at IS NULL)
          + (SELECT count(*) FROM outbound_messages WHERE status = 'sending') AS n`,
  );
  expect(Number(rows[0]?.n)).toBe(0);
}

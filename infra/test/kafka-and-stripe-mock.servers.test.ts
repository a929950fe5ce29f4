import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type KafkaMessage } from 'kafkajs';
import { kafkaServer } from '../src/servers/kafka.server';
import type { RunningServer } from '../src/servers/server';
import { STRIPE_MOCK_API_KEY, stripeMockServer } from '../src/servers/stripe-mock.server';

describe('Kafka broker and stripe-mock servers', () => {
  let kafka: RunningServer;
  let stripeMock: RunningServer;

  beforeAll(async () => {
    // One after the other: both may install on a first run, and the machine has two cores.
    kafka = await kafkaServer.ensure();
    stripeMock = await stripeMockServer.ensure();
  });

  // Only stops what beforeAll started; a reused server's stop() does nothing.
  afterAll(async () => {
    await stripeMock?.stop();
    await kafka?.stop();
  });

  it('when 3 messages with headers are produced, then a consumer reads them back', async () => {
    const client = new Kafka({
      clientId: 'servers-test',
      brokers: [kafka.url],
      logLevel: logLevel.ERROR,
    });
    const topic = `servers-test.${randomUUID()}`;
    const admin = client.admin();
    const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = client.consumer({ groupId: `servers-test-${randomUUID()}` });
    try {
      await admin.connect();
      // One partition, so the three messages keep their order on the way back.
      const created = await admin.createTopics({
        topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
        waitForLeaders: true,
      });
      expect(created).toBe(true);

      await producer.connect();
      await producer.send({
        topic,
        messages: [1, 2, 3].map((n) => ({
          key: `order-${n}`,
          value: JSON.stringify({ n }),
          headers: { 'event-type': 'order:created', 'trace-id': `trace-${n}` },
        })),
      });

      const received: KafkaMessage[] = [];
      let allReceived: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (allReceived = resolve));
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push(message);
          if (received.length === 3) allReceived();
        },
      });
      // Fail with what arrived rather than hanging until the test timeout.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`consumer received ${received.length} of 3 messages in 30 s`)),
          30_000,
        );
      });
      await Promise.race([done, timedOut]).finally(() => clearTimeout(timer));

      expect(
        received.map((message) => ({
          key: message.key?.toString(),
          value: JSON.parse(message.value?.toString() ?? 'null') as unknown,
          eventType: message.headers?.['event-type']?.toString(),
          traceId: message.headers?.['trace-id']?.toString(),
        })),
      ).toEqual(
        [1, 2, 3].map((n) => ({
          key: `order-${n}`,
          value: { n },
          eventType: 'order:created',
          traceId: `trace-${n}`,
        })),
      );
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('when ensure() runs again, then both servers are reused (started false)', async () => {
    const kafkaAgain = await kafkaServer.ensure();
    const stripeMockAgain = await stripeMockServer.ensure();

    expect(kafkaAgain).toMatchObject({ name: 'kafka', started: false, url: kafka.url });
    expect(stripeMockAgain).toMatchObject({
      name: 'stripe-mock',
      started: false,
      url: stripeMock.url,
    });
  });

  it('when a PaymentIntent is created, then stripe-mock answers with a pi_ id', async () => {
    const response = await fetch(`${stripeMock.url}/v1/payment_intents`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${STRIPE_MOCK_API_KEY}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ amount: '7500', currency: 'usd' }),
    });

    expect(response.status).toBe(200);
    const intent = (await response.json()) as { id: string; amount: number; currency: string };
    expect(intent.id).toMatch(/^pi_/);
    // stripe-mock echoes the request's scalar fields into its fixture.
    expect(intent).toMatchObject({ object: 'payment_intent', amount: 7500, currency: 'usd' });
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Kafka, logLevel, Partitioners, type KafkaConfig } from 'kafkajs';
import { createLogger, loadConfig } from '@ticketaka/common';
import { kafkaBridgeConfigSchema } from '../src/config';
import { createKafka } from '../src/kafka/kafka-client';
import { startPrivateBroker } from './support/private-broker';

type Broker = Awaited<ReturnType<typeof startPrivateBroker>>;

const USER = 'ticketaka';
const PASSWORD = `pw-${randomUUID()}`;

/**
 * The partner network's production setting, SASL PLAIN over TLS, against a real broker with
 * a SASL_SSL listener and a self-signed certificate the clients are told to trust.
 */
describe('kafka-bridge over SASL PLAIN and TLS', () => {
  let broker: Broker;
  let saslSslUrl: string;
  let ca: string;
  const topic = `sasl-tls.${randomUUID()}`;
  const logger = createLogger('kafka-bridge-sasl-tls-test', { level: 'silent' });

  // Fails fast: a refused connection must show up as an error, not as minutes of retries.
  const client = (overrides: Partial<KafkaConfig>) =>
    new Kafka({
      clientId: 'sasl-tls-test',
      brokers: [saslSslUrl],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3_000,
      requestTimeout: 5_000,
      retry: { retries: 0 },
      ...overrides,
    });

  /** What connecting an admin and listing topics ends with: the topics or the error. */
  async function listTopics(kafka: Kafka): Promise<string[] | Error> {
    const admin = kafka.admin();
    try {
      await admin.connect();
      return await admin.listTopics();
    } catch (error) {
      return error as Error;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  beforeAll(async () => {
    broker = await startPrivateBroker({ saslUsers: `${USER}:${PASSWORD},partner:other-secret` });
    saslSslUrl = broker.saslSslUrl as string;
    ca = fs.readFileSync(broker.caFile, 'utf8');
  }, 180_000);

  afterAll(async () => {
    await broker?.remove();
  });

  it('when a client with the right credentials connects over TLS, then it produces and consumes a message', async () => {
    const kafka = client({
      ssl: { ca: [ca], rejectUnauthorized: true },
      sasl: { mechanism: 'plain', username: USER, password: PASSWORD },
      retry: { retries: 5 },
    });
    const admin = kafka.admin();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({ groupId: `sasl-tls-${randomUUID()}` });
    try {
      await admin.connect();
      await admin.createTopics({
        topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
        waitForLeaders: true,
      });
      await producer.connect();
      await producer.send({
        topic,
        messages: [{ key: 'k', value: 'over SASL_SSL', headers: { clientId: USER } }],
      });

      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<{ value?: string; clientId?: string }>(
        (resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000);
          void consumer.run({
            eachMessage: async ({ message }) => {
              clearTimeout(timer);
              resolve({
                value: message.value?.toString(),
                clientId: message.headers?.clientId?.toString(),
              });
            },
          });
        },
      );
      expect(received).toEqual({ value: 'over SASL_SSL', clientId: USER });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  }, 60_000);

  it("when the bridge's client is built from a production configuration with the broker's CA, then it connects and sees the topics", async () => {
    const config = loadConfig('kafka-bridge', kafkaBridgeConfigSchema, {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/ticketaka',
      NATS_URL: 'nats://nats:4222',
      JWT_PUBLIC_KEY: 'pem',
      PARTNER_SIGNING_KEY: randomBytes(32).toString('base64'),
      KAFKA_MASTER_LIST_TRUST: 'acl',
      KAFKA_BROKERS: saslSslUrl,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: broker.caFile,
      KAFKA_SASL_USERNAME: USER,
      KAFKA_SASL_PASSWORD: PASSWORD,
    });

    const topics = await listTopics(createKafka(config, logger));

    expect(topics).toEqual(expect.arrayContaining([topic]));
  }, 60_000);

  it('when the password is wrong, then the broker refuses the SASL authentication', async () => {
    const result = await listTopics(
      client({
        ssl: { ca: [ca], rejectUnauthorized: true },
        sasl: { mechanism: 'plain', username: USER, password: 'not-the-password' },
      }),
    );

    expect(result).toBeInstanceOf(Error);
    expect((result as Error).name).toBe('KafkaJSSASLAuthenticationError');
  });

  it('when the client speaks plain text to the SASL_SSL port, then no connection is made', async () => {
    const result = await listTopics(
      client({ ssl: false, sasl: { mechanism: 'plain', username: USER, password: PASSWORD } }),
    );

    // The broker's TLS engine drops a connection that does not start with a TLS handshake.
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/closed connection/i);
  });

  // The bridge's own retries (8) run out first, hence the longer time-out.
  it("when the bridge's client does not trust the broker's certificate, then TLS verification refuses it", async () => {
    const config = loadConfig('kafka-bridge', kafkaBridgeConfigSchema, {
      KAFKA_BROKERS: saslSslUrl,
      KAFKA_SSL: 'true',
      KAFKA_SASL_USERNAME: USER,
      KAFKA_SASL_PASSWORD: PASSWORD,
    });
    const kafka = createKafka(config, logger);

    const result = await listTopics(kafka);

    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/self-signed certificate/);
  }, 120_000);
});

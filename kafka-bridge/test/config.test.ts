import { ConfigError, loadConfig } from '@ticketaka/common';
import { brokersOf, createsTopics, kafkaBridgeConfigSchema, topicsOf } from '../src/config';

const load = (env: NodeJS.ProcessEnv) => loadConfig('kafka-bridge', kafkaBridgeConfigSchema, env);
const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://db/ticketaka',
  NATS_URL: 'nats://nats:4222',
  JWT_PUBLIC_KEY: 'pem',
};

describe('kafka-bridge configuration', () => {
  it('when nothing is set, then it uses the local broker, our client id and the organiser topic names for dev', () => {
    const config = load({});

    expect(brokersOf(config)).toEqual(['127.0.0.1:29092']);
    expect(config.KAFKA_CLIENT_ID).toBe('ticketaka');
    expect(topicsOf(config)).toEqual({
      masterList: 'fifa-world-cup-2022-masterlist-dev',
      ticketSales: 'fifa-world-cup-2022-ticket-sales-dev',
      deadLetter: 'ticketaka-partner-dead-letter-dev',
    });
    expect(createsTopics(config)).toBe(true);
  });

  it('when the suffix is prod, then the topics are the prod ones; an unknown suffix is refused', () => {
    expect(topicsOf(load({ KAFKA_ENV_SUFFIX: 'prod' })).ticketSales).toBe(
      'fifa-world-cup-2022-ticket-sales-prod',
    );
    expect(() => load({ KAFKA_ENV_SUFFIX: 'staging' })).toThrow(/KAFKA_ENV_SUFFIX/);
  });

  it('when production lacks brokers, credentials or TLS, then start-up fails naming each variable, without showing the password', () => {
    let error: unknown;
    try {
      load({ ...production, KAFKA_SASL_PASSWORD: 'hunter2' });
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/KAFKA_BROKERS: is required in production/);
    expect(message).toMatch(/KAFKA_SASL_USERNAME/);
    expect(message).toMatch(/KAFKA_SSL/);
    expect(message).toMatch(/PARTNER_SIGNING_KEY: is required in production/);
    expect(message).toMatch(/KAFKA_ORGANISER_PUBLIC_KEY: is required in production/);
    expect(message).not.toContain('hunter2');
  });

  it('when SASL credentials come without TLS, then they are refused: SASL PLAIN travels over TLS only', () => {
    expect(() => load({ KAFKA_SASL_USERNAME: 'ticketaka', KAFKA_SASL_PASSWORD: 'secret' })).toThrow(
      /KAFKA_SSL: must be true/,
    );
    expect(() => load({ KAFKA_SASL_USERNAME: 'ticketaka' })).toThrow(/KAFKA_SASL_PASSWORD/);
  });

  it('when a CA file is named without TLS or does not exist, then it is refused', () => {
    expect(() => load({ KAFKA_SSL_CA_FILE: __filename })).toThrow(/KAFKA_SSL: must be true/);
    expect(() => load({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' })).toThrow(
      /KAFKA_SSL_CA_FILE: no such file/,
    );
  });

  it('when production is fully configured, then it loads and does not create the organiser topics', () => {
    const config = load({
      ...production,
      KAFKA_BROKERS: 'b-1.fifa.example:9096,b-2.fifa.example:9096',
      KAFKA_SASL_USERNAME: 'ticketaka',
      KAFKA_SASL_PASSWORD: 'secret',
      KAFKA_SSL: 'true',
      KAFKA_ENV_SUFFIX: 'prod',
      PARTNER_SIGNING_KEY: Buffer.alloc(32, 7).toString('base64'),
      KAFKA_MASTER_LIST_TRUST: 'acl',
    });

    expect(brokersOf(config)).toEqual(['b-1.fifa.example:9096', 'b-2.fifa.example:9096']);
    expect(createsTopics(config)).toBe(false);
  });

  it('when the signing key is shorter than 32 bytes or not base64, then it is refused', () => {
    expect(() => load({ PARTNER_SIGNING_KEY: Buffer.alloc(16).toString('base64') })).toThrow(
      /PARTNER_SIGNING_KEY/,
    );
    expect(() =>
      load({ PARTNER_SIGNING_KEY: 'not base64 at all, spaces and all of that' }),
    ).toThrow(/PARTNER_SIGNING_KEY/);
  });
});

import { z } from 'zod';
import { baseConfigSchema, ConfigError, loadConfig, requireInProduction } from '../src';

describe('configuration at start-up', () => {
  test('when nothing is set, then local defaults apply', () => {
    const config = loadConfig('svc', baseConfigSchema, {});
    expect(config.DATABASE_URL).toMatch(/^postgres:\/\/.*:25432\//);
    expect(config.NATS_URL).toBe('nats://127.0.0.1:24222');
    expect(config.NODE_ENV).toBe('development');
  });

  test('when several variables are wrong, then one error names each of them and never prints a secret', () => {
    const schema = baseConfigSchema.extend({ STRIPE_SECRET_KEY: z.string().startsWith('sk_') });
    let error: unknown;
    try {
      loadConfig('payments', schema, {
        DATABASE_URL: 'mysql://x',
        LOG_LEVEL: 'loud',
        STRIPE_SECRET_KEY: 'pk_live_oops',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('payments: the configuration is invalid');
    expect(message).toContain(
      'DATABASE_URL: must be a postgres:// connection URL (got "mysql://x")',
    );
    expect(message).toContain('LOG_LEVEL');
    expect(message).toContain('STRIPE_SECRET_KEY');
    expect(message).not.toContain('pk_live_oops');
  });

  test('when production lacks a required variable, then start-up is refused naming it', () => {
    const schema = requireInProduction(baseConfigSchema, ['JWT_PUBLIC_KEY']);
    expect(() => loadConfig('tickets', schema, { NODE_ENV: 'production' })).toThrow(
      /JWT_PUBLIC_KEY: is required in production \(missing\)/,
    );
  });
});

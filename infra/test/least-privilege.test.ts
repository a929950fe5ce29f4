import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import {
  ADMIN_USER,
  connectNats,
  createLogger,
  databaseRole,
  databaseUrlFor,
  EventBus,
  HOLD_SUBJECT,
  localCredentialsDir,
  localPorts,
  paymentsEvents,
  redisUrlFor,
} from '@ticketaka/common';
import { createTestEnvironment, eventually, type TestEnvironment } from '@ticketaka/common/testing';
import { natsServer } from '../src/servers/nats.server';
import { redisServer } from '../src/servers/redis.server';
import { natsPublicKey } from '../src/servers/credentials';
import {
  natsPermissions,
  renderNatsAuthorization,
  servicesWithUsers,
} from '../src/security/nats-permissions';
import { renderClusterSecrets } from '../src/kubernetes/secrets';
import { repoRoot } from '../src/paths';
import { serviceDefinitions } from '../src/services';
import { isPortOpen } from '../src/process/port';

/**
 * Least privilege on the real servers the suite runs on: every service connects as a user of
 * its own, and the servers refuse what that user was not given. Positive controls beside each
 * refusal show that the refusal is the permission and not a broken connection.
 */
let env: TestEnvironment;
const credentialsDir = () => localCredentialsDir(process.env);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  env = await createTestEnvironment('least privilege');
});
afterAll(async () => {
  await env.cleanup();
});

const open: NatsConnection[] = [];
afterEach(async () => {
  for (const nc of open.splice(0)) await nc.close().catch(() => undefined);
});

async function natsAs(user: string, servers = env.env.NATS_URL as string) {
  const nc = await connectNats({
    servers,
    user,
    credentialsDir: credentialsDir(),
    name: `least-privilege-${user}`,
    maxReconnectAttempts: 0,
  });
  open.push(nc);
  return nc;
}

/** The permission errors the server sent this connection. */
function permissionErrors(nc: NatsConnection): string[] {
  const seen: string[] = [];
  void (async () => {
    for await (const s of nc.status())
      if (s.type === 'error' && /permission/i.test(String(s.error))) seen.push(String(s.error));
  })().catch(() => undefined);
  return seen;
}

const paymentSucceeded = () =>
  paymentsEvents.paymentSucceeded.create({
    id: randomUUID(),
    orderId: randomUUID(),
    userId: randomUUID(),
    amountCents: 39_000,
    currency: 'USD',
    provider: 'sandbox',
    providerPaymentId: `pi_${randomUUID()}`,
    version: 1,
  });

/** Messages stored on a subject of the PAYMENTS stream (read as admin). */
async function storedOn(subject: string, servers = env.env.NATS_URL as string, ns = env.namespace) {
  const admin = await natsAs(ADMIN_USER, servers);
  const jsm = await jetstreamManager(admin);
  const stream = `${ns ? `${ns}_` : ''}PAYMENTS`.toUpperCase();
  const info = await jsm.streams.info(stream, { subjects_filter: '>' }).catch(() => undefined);
  return info?.state.subjects?.[subject] ?? 0;
}

describe('NATS', () => {
  let payments: EventBus;
  beforeAll(async () => {
    payments = await EventBus.connect({
      servers: env.env.NATS_URL as string,
      namespace: env.namespace,
      service: 'payments',
      logger: createLogger('payments', { level: 'silent' }),
    });
  });
  afterAll(async () => {
    await payments.close();
  });

  test('when orders publishes payments.payment.succeeded (the "free tickets" forgery), then the server refuses it and nothing is stored; payments itself may', async () => {
    const subject = `${env.namespace}.${paymentsEvents.paymentSucceeded.type}`;
    await payments.publish(paymentSucceeded());
    expect(await storedOn(subject)).toBe(1);

    const orders = await natsAs('orders');
    const refused = permissionErrors(orders);
    const js = jetstream(orders);
    await expect(
      js.publish(subject, JSON.stringify(paymentSucceeded()), { timeout: 2000 }),
    ).rejects.toThrow();
    orders.publish(paymentsEvents.paymentSucceeded.type, JSON.stringify(paymentSucceeded()));
    await orders.flush();
    await eventually(async () =>
      expect(refused.join('\n')).toMatch(/payments\.payment\.succeeded/),
    );
    expect(await storedOn(subject)).toBe(1);
  });

  test('when orders tries to answer rpc.tickets.hold, then the server refuses the subscription and a request finds no responder; tickets may answer it and orders may ask', async () => {
    const subject = `${env.namespace}.${HOLD_SUBJECT}`;
    const orders = await natsAs('orders');
    const refused = permissionErrors(orders);
    orders.subscribe(subject, { callback: (e, msg) => void (e || msg.respond('{"ok":{}}')) });
    await orders.flush();
    await eventually(async () => expect(refused.join('\n')).toMatch(/rpc\.tickets\.hold/i));
    const admin = await natsAs(ADMIN_USER);
    await expect(admin.request(subject, '{}', { timeout: 500 })).rejects.toThrow();

    const tickets = await natsAs('tickets');
    tickets.subscribe(subject, { callback: (e, msg) => void (e || msg.respond('"from tickets"')) });
    await tickets.flush();
    const answer = await (await natsAs('orders')).request(subject, '{}', { timeout: 2000 });
    expect(answer.string()).toBe('"from tickets"');
  });

  test('when a service asks an rpc subject its service.json does not declare (orders → rpc.tickets.partner-sale), then the request is refused', async () => {
    const tickets = await natsAs('tickets');
    const subject = `${env.namespace}.rpc.tickets.partner-sale`;
    let asked = 0;
    tickets.subscribe(subject, {
      callback: (e, msg) => void (e || (asked++, msg.respond('"sold"'))),
    });
    await tickets.flush();
    const orders = await natsAs('orders');
    const refused = permissionErrors(orders);
    await expect(orders.request(subject, '{}', { timeout: 1000 })).rejects.toThrow();
    await eventually(async () => expect(refused.join('\n')).toMatch(/partner-sale/));
    expect(asked).toBe(0);
  });

  test("when a service reads a consumer it was not given (orders pulling payments' durable on ORDERS), then JetStream refuses it", async () => {
    const orders = await EventBus.connect({
      servers: env.env.NATS_URL as string,
      namespace: env.namespace,
      service: 'orders',
      logger: createLogger('orders', { level: 'silent' }),
    });
    try {
      await expect(
        orders.subscribe({
          consumer: 'payments',
          event: { type: 'orders.order.created', envelope: z.any() } as never,
          handler: async () => undefined,
        }),
      ).rejects.toThrow();
    } finally {
      await orders.close();
    }
  });

  test('when a client connects without credentials or with a key the server does not know, then it is refused', async () => {
    await expect(
      connect({ servers: env.env.NATS_URL as string, maxReconnectAttempts: 0, reconnect: false }),
    ).rejects.toThrow(/authorization/i);
    const stranger = fs.mkdtempSync(path.join(os.tmpdir(), 'stranger-'));
    fs.mkdirSync(path.join(stranger, 'orders'));
    fs.writeFileSync(
      path.join(stranger, 'orders', 'nats.nk'),
      'SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4',
    );
    await expect(
      connectNats({
        servers: env.env.NATS_URL as string,
        user: 'orders',
        credentialsDir: stranger,
        name: 'stranger',
        maxReconnectAttempts: 0,
      }),
    ).rejects.toThrow(/authorization/i);
    fs.rmSync(stranger, { recursive: true, force: true });
  });
});

describe('the Kubernetes rendering (no namespaces)', () => {
  let server: ChildProcess | undefined;
  const port = localPorts.NATS_PORT + 1390;
  const monitor = localPorts.NATS_MONITOR_PORT + 1390;
  const url = `nats://127.0.0.1:${port}`;
  let home: string;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-strict-'));
    const users = [
      { name: ADMIN_USER, nkey: natsPublicKey(process.env, ADMIN_USER) },
      ...serviceDefinitions
        .filter((s) => s.messaging)
        .map((s) => ({
          name: s.name,
          nkey: natsPublicKey(process.env, s.name),
          permissions: natsPermissions(s, 'none'),
        })),
    ];
    const config = path.join(home, 'nats.conf');
    fs.writeFileSync(
      config,
      `listen: "127.0.0.1:${port}"\nhttp: "127.0.0.1:${monitor}"\njetstream { store_dir: ${JSON.stringify(home)} }\n${renderNatsAuthorization(users)}`,
    );
    server = spawn('nats-server', ['-c', config], { stdio: 'ignore' });
    await eventually(async () => expect(await isPortOpen(port)).toBe(true), 10_000);
  });
  afterAll(async () => {
    server?.kill('SIGTERM');
    await sleep(300);
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('when the unnamespaced platform runs, then payments publishes payments.payment.succeeded, orders cannot, and a subject with a namespace in front is refused to both', async () => {
    const payments = await EventBus.connect({
      servers: url,
      namespace: '',
      service: 'payments',
      logger: createLogger('payments', { level: 'silent' }),
    });
    try {
      await payments.publish(paymentSucceeded());
      expect(await storedOn('payments.payment.succeeded', url, '')).toBe(1);
      const orders = await natsAs('orders', url);
      await expect(
        jetstream(orders).publish('payments.payment.succeeded', '{}', { timeout: 2000 }),
      ).rejects.toThrow();
      await expect(
        jetstream(await natsAs('payments', url)).publish('x.payments.payment.succeeded', '{}', {
          timeout: 1000,
        }),
      ).rejects.toThrow();
      expect(await storedOn('payments.payment.succeeded', url, '')).toBe(1);
    } finally {
      await payments.close();
    }
  });
});

describe('Redis', () => {
  test('when a client has no password, then Redis refuses every command; a service user may work but not reconfigure or wipe the server', async () => {
    // The protocol itself, so no client library hides the answer.
    const where = new URL(env.env.REDIS_URL as string);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(where.port), where.hostname, () =>
        socket.write('SET probe stolen\r\n'),
      );
      socket.once('data', (data) => (socket.destroy(), resolve(data.toString())));
      socket.once('error', reject);
    });
    expect(answer).toMatch(/^-NOAUTH/);

    const expiration = new Redis(
      redisUrlFor(env.env.REDIS_URL as string, credentialsDir(), 'expiration'),
      { maxRetriesPerRequest: 0 },
    );
    try {
      const key = `${env.namespace}:order-expiration:probe`;
      await expiration.set(key, '1');
      expect(await expiration.get(key)).toBe('1');
      await expect(expiration.config('GET', 'dir')).rejects.toThrow(/NOPERM/);
      await expect(expiration.flushall()).rejects.toThrow(/NOPERM/);
      await expiration.del(key);
    } finally {
      expiration.disconnect();
    }
  });

  test('when a service touches keys it does not own, then Redis refuses; every service may read the session revocations, only auth may write them', async () => {
    const as = (user: string) =>
      new Redis(redisUrlFor(env.env.REDIS_URL as string, credentialsDir(), user), {
        maxRetriesPerRequest: 0,
      });
    const [auth, security, orders] = [as('auth'), as('security'), as('orders')];
    const revoked = `${env.namespace}:auth:revoked-session:${randomUUID()}`;
    const counter = `${env.namespace}:security:rl:probe:${randomUUID()}`;
    try {
      // Positive controls: each owner works on its own keys.
      await auth.set(revoked, '1', 'EX', 60);
      await security.set(counter, '5', 'EX', 60);
      // Everyone reads the revocations (the token check), nobody else may write or erase one.
      expect(await orders.get(revoked)).toBe('1');
      expect(await security.mget(revoked, revoked)).toEqual(['1', '1']);
      await expect(security.del(revoked)).rejects.toThrow(/NOPERM/);
      await expect(orders.set(revoked, '0')).rejects.toThrow(/NOPERM/);
      // Nobody but security may read or reset its counters (a fan's rate limit, a challenge mark).
      await expect(orders.get(counter)).rejects.toThrow(/NOPERM/);
      await expect(auth.del(counter)).rejects.toThrow(/NOPERM/);
      await expect(orders.set(`${env.namespace}:order-expiration:bull:1`, 'x')).rejects.toThrow(
        /NOPERM/,
      );
      expect(await security.get(counter)).toBe('5');
    } finally {
      await auth.del(revoked).catch(() => undefined);
      await security.del(counter).catch(() => undefined);
      for (const client of [auth, security, orders]) client.disconnect();
    }
  });
});

describe('PostgreSQL', () => {
  test("when a service role reads another service's schema, then PostgreSQL refuses it; it owns its own schema and is no superuser", async () => {
    const asRole = async (service: string) => {
      const client = new Client({
        connectionString: databaseUrlFor(env.env.DATABASE_URL as string, credentialsDir(), service),
      });
      await client.connect();
      return client;
    };
    const tickets = await asRole('tickets');
    await tickets.query(
      'CREATE TABLE tickets.secret_probe (v int); INSERT INTO tickets.secret_probe VALUES (1)',
    );
    const orders = await asRole('orders');
    try {
      await expect(orders.query('SELECT v FROM tickets.secret_probe')).rejects.toMatchObject({
        code: '42501',
      });
      await expect(orders.query('CREATE SCHEMA sneaky')).rejects.toMatchObject({ code: '42501' });
      await expect(orders.query('CREATE TABLE public.sneaky (v int)')).rejects.toMatchObject({
        code: '42501',
      });
      const { rows } = await orders.query<{ superuser: boolean; owner: string }>(
        `SELECT rolsuper AS superuser,
                (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'orders') AS owner
           FROM pg_roles WHERE rolname = current_user`,
      );
      expect(rows[0]).toEqual({ superuser: false, owner: 'orders' });
      await orders.query('CREATE TABLE orders.own_probe (v int)');
    } finally {
      await orders.end();
    }
    try {
      expect((await tickets.query('SELECT v FROM tickets.secret_probe')).rows).toEqual([{ v: 1 }]);
      await expect(tickets.query('SELECT v FROM orders.own_probe')).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await tickets.end();
    }
  });
});

describe('servers started by code from before authentication', () => {
  const sandbox = (offset: number) => ({
    ...process.env,
    NATS_PORT: String(localPorts.NATS_PORT + offset),
    NATS_MONITOR_PORT: String(localPorts.NATS_MONITOR_PORT + offset),
    REDIS_PORT: String(localPorts.REDIS_PORT + offset),
  });

  test('when a NATS or Redis on the port accepts anyone, then ensure() refuses to reuse it and says what to do', async () => {
    const env2 = sandbox(1391);
    const open2 = [
      spawn('nats-server', ['-a', '127.0.0.1', '-p', env2.NATS_PORT as string], {
        stdio: 'ignore',
      }),
      spawn(
        'redis-server',
        ['--bind', '127.0.0.1', '--port', env2.REDIS_PORT as string, '--save', ''],
        {
          stdio: 'ignore',
        },
      ),
    ];
    try {
      await eventually(async () => {
        expect(await isPortOpen(Number(env2.NATS_PORT))).toBe(true);
        expect(await isPortOpen(Number(env2.REDIS_PORT))).toBe(true);
      });
      await expect(natsServer.ensure(env2)).rejects.toThrow(/without credentials.*Stop it/);
      await expect(redisServer.ensure(env2)).rejects.toThrow(/without a password.*Stop it/);
    } finally {
      for (const child of open2) child.kill('SIGTERM');
      await sleep(300);
    }
  });
});

describe('Kubernetes', () => {
  const docs = (file: string) =>
    parseAllDocuments(fs.readFileSync(path.join(repoRoot, file), 'utf8')).map((d) => d.toJS());
  const services = servicesWithUsers(serviceDefinitions);

  test('when the cluster is bootstrapped, then PostgreSQL has exactly one login role per registered service, each owning its own schema', () => {
    const cluster = docs('infra/k8s/platform/postgres.yaml').find((d) => d.kind === 'Cluster');
    const roles = services.map((s) => databaseRole(s.name)).sort();
    const managed = cluster.spec.managed.roles as {
      name: string;
      passwordSecret?: { name: string };
    }[];
    expect(
      managed
        .filter((r) => r.passwordSecret)
        .map((r) => r.name)
        .sort(),
    ).toEqual(roles);
    const sql: string[] = cluster.spec.bootstrap.initdb.postInitApplicationSQL;
    for (const role of roles) {
      expect(sql).toContain(`CREATE ROLE ${role} NOLOGIN IN ROLE ticketaka_service`);
      expect(sql).toContain(`CREATE SCHEMA ${role} AUTHORIZATION ${role}`);
    }
  });

  test('when the secrets are generated, then every Secret a manifest names for credentials exists, each pod mounts only its own, and no NATS user outside admin is unrestricted', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-credentials-'));
    try {
      const secrets = renderClusterSecrets(dir) as {
        metadata: { name: string };
        stringData: Record<string, string>;
      }[];
      const names = new Set(secrets.map((s) => s.metadata.name));
      for (const service of services) {
        const deployment = docs(`infra/k8s/${service.name}.yaml`).find(
          (d) => d.kind === 'Deployment',
        );
        const volumes = deployment.spec.template.spec.volumes as {
          secret?: { secretName: string };
        }[];
        // Secrets only: a service may also have a data volume (analytics' lake).
        expect(volumes.filter((v) => v.secret).map((v) => v.secret?.secretName)).toEqual([
          `ticketaka-${service.name}-credentials`,
        ]);
        expect(names.has(`ticketaka-${service.name}-credentials`)).toBe(true);
        expect(names.has(`ticketaka-pg-${service.name}`)).toBe(true);
      }
      const nats = secrets.find((s) => s.metadata.name === 'ticketaka-nats-authorization')!;
      const conf = nats.stringData['authorization.conf'] as string;
      expect(conf.match(/\{ nkey: U[A-Z0-9]+ \}/g)).toHaveLength(1);
      expect(conf).not.toContain('*.payments');
      const redis = secrets.find((s) => s.metadata.name === 'ticketaka-redis-users')!;
      expect(redis.stringData['users.acl']).toMatch(/^user default off$/m);
      expect(redis.stringData['users.acl']).not.toMatch(/ >/);
      // In the cluster the prefix is exact and only admin holds every key.
      const acl = redis.stringData['users.acl'] as string;
      expect(acl).toMatch(
        /^user security on #\w+ &\* ~ticketaka:security:\* %R~ticketaka:auth:\* /m,
      );
      expect(acl).toMatch(/^user auth on #\w+ &\* ~ticketaka:auth:\* \+@all/m);
      expect(acl).toMatch(/^user orders on #\w+ &\* %R~ticketaka:auth:\* \+@all/m);
      expect(acl.match(/ ~\* /g)).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { parseAllDocuments } from 'yaml';
import { ADMIN_USER, connectNats, createLogger, EventBus, ordersEvents } from '@ticketaka/common';
import { eventually } from '@ticketaka/common/testing';
import { repoRoot } from '../src/paths';
import { renderNatsAuthorization } from '../src/security/nats-permissions';
import { localNatsUsers } from '../src/servers/nats.server';

/*
 * The committed NATS configuration (infra/k8s/platform/nats.yaml) run as a real three-server
 * cluster on this machine, with the event bus as the services use it in Kubernetes
 * (NATS_STREAM_REPLICAS=3). Only addresses and paths are rewritten for local ports.
 */
const PORT_BASE = 24_922; // the shared test NATS is 24222; this file's own servers sit 700 above
const clientPort = (i: number) => PORT_BASE + i;
const clusterPort = (i: number) => PORT_BASE + 2000 + i;

const committed: string = parseAllDocuments(
  fs.readFileSync(path.join(repoRoot, 'infra/k8s/platform/nats.yaml'), 'utf8'),
)
  .map((d) => d.toJS())
  .find((d) => d.kind === 'ConfigMap').data['nats.conf'];

/** `sync_interval` arrived in nats-server 2.10; Debian's may be older and would refuse it. */
const serverVersion = execFileSync('nats-server', ['--version'], { encoding: 'utf8' });
const knowsSyncInterval = (() => {
  const [major = 0, minor = 0] = (serverVersion.match(/v(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
  return major > 2 || (major === 2 && minor >= 10);
})();

let dir: string;
const servers: (ChildProcess | undefined)[] = [];
const buses: EventBus[] = [];

function localConfig(i: number): string {
  const replacements: [RegExp, string | ((...m: string[]) => string)][] = [
    [/^port: 4222$/m, `port: ${clientPort(i)}`],
    [/^http_port: 8222\n/m, ''],
    [/^pid_file: .*$/m, `pid_file: ${path.join(dir, `nats-${i}.pid`)}`],
    [/store_dir: \/data/, `store_dir: ${path.join(dir, `data-${i}`)}`],
    [/ {2}port: 6222$/m, `  port: ${clusterPort(i)}`],
    [
      /nats:\/\/nats-(\d)\.nats-cluster:6222/g,
      (_m, n) => `nats://127.0.0.1:${clusterPort(Number(n))}`,
    ],
  ];
  let conf = committed;
  for (const [pattern, replacement] of replacements) {
    const next = conf.replace(pattern, replacement as string);
    // The committed file drifted from what this test understands: fail loudly, not silently.
    if (next === conf) throw new Error(`nats.conf no longer matches ${pattern}`);
    conf = next;
  }
  return knowsSyncInterval ? conf : conf.replace(/^\s*sync_interval: always\n/m, '');
}

/** The cluster answers JetStream requests once it has elected its meta leader. */
async function waitForJetStream(i: number) {
  await eventually(
    async () => {
      const nc = await connectNats({
        servers: `nats://127.0.0.1:${clientPort(i)}`,
        user: ADMIN_USER,
        name: 'nats-cluster-test',
        maxReconnectAttempts: 0,
      });
      try {
        await (await jetstreamManager(nc)).getAccountInfo();
      } finally {
        await nc.close();
      }
    },
    30_000,
    250,
  );
}

async function connect(i: number, namespace: string, streamReplicas: number) {
  await waitForJetStream(i);
  const bus = await EventBus.connect({
    servers: `nats://127.0.0.1:${clientPort(i)}`,
    namespace,
    service: 'orders',
    streamReplicas,
    logger: createLogger('nats-cluster-test', { level: 'silent' }),
  });
  buses.push(bus);
  return bus;
}

const created = () =>
  ordersEvents.orderCreated.create({
    id: randomUUID(),
    userId: randomUUID(),
    kind: 'primary',
    matchNumber: 1,
    category: 1,
    quantity: 1,
    ticketId: null,
    amountCents: 7500,
    currency: 'USD',
    status: 'awaiting_payment',
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
    version: 1,
  });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-nats-cluster-'));
  // The Secret the cluster includes (`include authorization.conf`), with this run's users; in
  // namespaced form, since this file isolates itself by namespace like every test.
  fs.writeFileSync(
    path.join(dir, 'authorization.conf'),
    renderNatsAuthorization(localNatsUsers(process.env)),
  );
  for (const i of [0, 1, 2]) {
    const file = path.join(dir, `nats-${i}.conf`);
    fs.writeFileSync(file, localConfig(i));
    servers[i] = spawn('nats-server', ['-c', file], {
      env: { ...process.env, POD_NAME: `nats-${i}` },
      stdio: 'ignore',
    });
  }
}, 30_000);

afterAll(async () => {
  // Bounded: a connection to a killed server must not keep the servers below alive.
  await Promise.race([
    Promise.all(buses.map((b) => b.nc.close().catch(() => undefined))),
    new Promise((r) => setTimeout(r, 5000)),
  ]);
  for (const server of servers) if (server && server.exitCode === null) server.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('when a stream was created with one copy before the cluster grew, then the bus raises it to three', async () => {
  const single = await connect(1, 'grown', 1);
  const stream = await eventually(() => single.ensureStream('orders'), 30_000, 250);
  expect((await single.jsm.streams.info(stream)).config.num_replicas).toBe(1);
  const replicated = await connect(0, 'grown', 3);
  await eventually(
    async () => {
      await replicated.ensureStream('orders');
      expect((await replicated.jsm.streams.info(stream)).config.num_replicas).toBe(3);
    },
    30_000,
    500,
  );
}, 90_000);

test('when the services connect with NATS_STREAM_REPLICAS=3, then each stream has three copies and keeps taking events with one server gone', async () => {
  const bus = await connect(0, 'r3', 3);
  // The cluster elects its JetStream meta leader a few seconds after the servers start.
  const stream = await eventually(() => bus.ensureStream('orders'), 30_000, 250);
  const info = await bus.jsm.streams.info(stream);
  expect(info.config.num_replicas).toBe(3);
  expect(info.cluster?.replicas).toHaveLength(2);
  await bus.publish(created());

  // A server other than the one this client uses dies; two of three still form the quorum.
  servers[2]?.kill('SIGKILL');
  const ack = await eventually(() => bus.publish(created()), 20_000, 250);
  expect(ack.duplicate).toBe(false);
  expect((await bus.jsm.streams.info(stream)).state.messages).toBe(2);
}, 90_000);

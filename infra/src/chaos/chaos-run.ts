import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { createLogger, EventBus, listDeadLetters } from '@ticketaka/common';
import {
  call,
  createTestEnvironment,
  newFan,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import {
  startPrivateServers,
  type PrivateServerName,
  type PrivateServers,
} from '../testing/private-servers';
import {
  startServiceProcess,
  stopServiceProcess,
  waitUntilReady,
  type ServiceProcess,
} from '../testing/service-processes';
import { checkInvariants, explainViolations } from './chaos-invariants';
import { checkPartnerLog } from './partner-log-invariants';
import { SEED_MASTER_LIST } from '../../../tickets/src/data-access/seed/master-list-file';

const SERVICES = ['tickets', 'orders', 'expiration', 'payments'] as const;
const PARTNER_SERVICES = [...SERVICES, 'kafka-bridge'] as const;
type ServiceName = (typeof PARTNER_SERVICES)[number];
/** Our platform id on the partner log (the bridge's default KAFKA_CLIENT_ID). */
const CLIENT_ID = 'ticketaka';
const CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2034, cvc: '123' };

export type Fault =
  | { kind: 'service'; names: ServiceName[]; downMs: number }
  /**
   * `kill` is SIGKILL of the server and its children; `stop` a clean stop. The Debian
   * nats-server (2.9) cannot fsync every write (`sync_interval: always` needs 2.10), so a
   * SIGKILLed NATS may lose messages it acknowledged in the last 2 minutes: see
   * docs/operations.md. The short run stops NATS cleanly for that reason.
   */
  | { kind: 'server'; name: PrivateServerName; downMs: number; how: 'kill' | 'stop' };

export interface ChaosProfile {
  name: string;
  buyers: number;
  /** Seats per category of the few matches on sale, small enough to sell out. */
  capacity: number;
  lockSeconds: number;
  faults: Fault[];
  /** With partner sync (PARTNER_SYNC=true): also Kafka and the kafka-bridge, and these faults. */
  partnerFaults: Fault[];
  portOffset: number;
}

export interface ChaosOptions {
  partnerSync?: boolean;
}

export const SHORT_PROFILE: ChaosProfile = {
  name: 'short',
  buyers: 4,
  capacity: 12,
  lockSeconds: 8,
  portOffset: 680,
  faults: [
    { kind: 'service', names: ['orders'], downMs: 1000 },
    { kind: 'server', name: 'postgres', downMs: 4000, how: 'kill' },
    { kind: 'service', names: ['payments', 'tickets'], downMs: 1000 },
  ],
  partnerFaults: [
    { kind: 'server', name: 'kafka', downMs: 5000, how: 'kill' },
    { kind: 'service', names: ['kafka-bridge'], downMs: 1000 },
  ],
};

export const FULL_PROFILE: ChaosProfile = {
  name: 'full',
  buyers: 40,
  capacity: 150,
  lockSeconds: 60,
  portOffset: 600,
  faults: [
    ...SERVICES.map((name): Fault => ({ kind: 'service', names: [name], downMs: 5000 })),
    { kind: 'server', name: 'postgres', downMs: 180_000, how: 'kill' },
    { kind: 'server', name: 'nats', downMs: 20_000, how: 'kill' },
    { kind: 'server', name: 'redis', downMs: 20_000, how: 'kill' },
    { kind: 'service', names: [...SERVICES], downMs: 5000 },
  ],
  partnerFaults: [
    { kind: 'server', name: 'kafka', downMs: 20_000, how: 'kill' },
    { kind: 'service', names: ['kafka-bridge'], downMs: 5000 },
    { kind: 'service', names: [...PARTNER_SERVICES], downMs: 5000 },
  ],
};

export interface FaultReport {
  fault: string;
  downMs: number;
  requests: number;
  placed: number;
  paid: number;
  refused503: number;
  /** No answer at all: the process was dead (behind the gateway this is nginx's 503). */
  unreachable: number;
  failed5xx: number;
  recoveredMs: number;
}

export interface ChaosReport {
  profile: string;
  partnerSync: boolean;
  faults: FaultReport[];
  violations: string[];
  /** What the partner log held afterwards (partner sync only). */
  partnerLog?: string;
  /** From the end of buying to a settled state (every lock ended, nothing in flight). */
  settledMs?: number;
  durationMs: number;
  /** Over the whole run: purchase attempts (each by a new fan), and the outcome. */
  totals: {
    fans: number;
    placed: number;
    paid: number;
    complete: number;
    tickets: number;
    refunded: number;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tally {
  requests: number;
  placed: number;
  paid: number;
  refused503: number;
  unreachable: number;
  failed5xx: number;
}

/**
 * An on-sale under faults: fans buy and pay (sandbox) against real service processes on
 * PostgreSQL, NATS and Redis of the run's own, while services and servers are SIGKILLed
 * one at a time and together; then everything recovers and the databases are checked.
 * Loopback only; every server and process is the run's own and is stopped afterwards.
 */
export async function runChaos(
  profile: ChaosProfile,
  log: (line: string) => void = () => undefined,
  options: ChaosOptions = {},
): Promise<ChaosReport> {
  const began = Date.now();
  const partnerSync = options.partnerSync ?? false;
  const names: readonly ServiceName[] = partnerSync ? PARTNER_SERVICES : SERVICES;
  const servers: PrivateServers = await startPrivateServers({
    label: `chaos-${profile.name}`,
    portOffset: profile.portOffset,
    kafka: partnerSync,
  });
  let env: TestEnvironment | undefined;
  const services: Partial<Record<ServiceName, ServiceProcess>> = {};
  const report: ChaosReport = {
    profile: profile.name,
    partnerSync,
    faults: [],
    violations: [],
    durationMs: 0,
    totals: { fans: 0, placed: 0, paid: 0, complete: 0, tickets: 0, refunded: 0 },
  };
  try {
    env = await createTestEnvironment(`chaos ${profile.name}`, { servers: servers.env });
    Object.assign(env.env, {
      LOG_LEVEL: 'warn',
      ORDER_LOCK_SECONDS: String(profile.lockSeconds),
      ORDER_SWEEP_INTERVAL_MS: '500',
      ORDER_STALE_CREATED_SECONDS: '10',
      HOLD_REQUEST_TIMEOUT_MS: '3000',
      REFUND_RETRY_INTERVAL_MS: '500',
      ORDER_PROJECTION_WAIT_MS: '1500',
    });
    if (partnerSync) {
      // The catalogue comes from the partner log's master list (small categories, so the
      // on-sale sells out), which the bridge publishes as the local organiser on an empty topic.
      const masterList = path.join(servers.home, 'master-list.json');
      fs.writeFileSync(masterList, JSON.stringify(smallMasterList(profile.capacity)));
      Object.assign(env.env, {
        PARTNER_SYNC: 'true',
        LOAD_MASTER_LIST_ON_START: 'false',
        KAFKA_BROKERS: servers.env.KAFKA_BROKERS,
        KAFKA_CLIENT_ID: CLIENT_ID,
        KAFKA_SEED_MASTER_LIST: 'true',
        KAFKA_SEED_MASTER_LIST_FILE: masterList,
        JWT_KEYS_DIR: path.join(servers.home, 'keys'),
        KAFKA_PRODUCE_TIMEOUT_MS: '3000',
      });
    }
    const logDir = path.join(servers.home, 'service-logs');
    const start = async (name: ServiceName) => {
      services[name] = await startServiceProcess(name, env!.env, {
        portOffset: profile.portOffset,
        logDir,
        readyTimeoutMs: 240_000,
      });
    };
    for (const name of names) await start(name);
    log(`platform up (logs in ${logDir})`);

    const db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    if (partnerSync) {
      // The bridge loads the master list into tickets once it has read the topic.
      const deadline = Date.now() + 120_000;
      while (
        (await db.query('SELECT 1 FROM tickets.inventory WHERE match_number = 3')).rowCount === 0
      ) {
        if (Date.now() > deadline) throw new Error('the master list never reached tickets');
        await sleep(250);
      }
    } else {
      // Few matches, small categories: the on-sale sells out while the faults happen.
      await db.query('UPDATE tickets.inventory SET capacity = $1 WHERE match_number <= 3', [
        profile.capacity,
      ]);
    }
    await db.end();

    const empty = (): Tally => ({
      requests: 0,
      placed: 0,
      paid: 0,
      refused503: 0,
      unreachable: 0,
      failed5xx: 0,
    });
    let tally = empty();
    let stopping = false;
    const count = (status: number) => {
      if (status === 503) tally.refused503 += 1;
      else if (status === 0) tally.unreachable += 1;
      else if (status >= 500) tally.failed5xx += 1;
    };
    const totals = report.totals;
    const buyer = async (n: number) => {
      for (let i = 0; !stopping; i += 1) {
        const fan = newFan(env!);
        tally.requests += 1;
        totals.fans += 1;
        const order = await call(services.orders!.url, 'POST', '/api/orders', {
          token: fan.token,
          body: { matchNumber: 1 + ((n + i) % 3), category: 1 + (i % 3), quantity: 1 + (i % 2) },
        }).catch(() => ({ status: 0, body: undefined as never }));
        count(order.status);
        if (order.status === 201) {
          tally.placed += 1;
          totals.placed += 1;
          const orderId = (order.body as { order: { id: string } }).order.id;
          // With partner sync an order is payable once the partner log confirmed its hold.
          if (partnerSync && !(await payable(orderId, fan.token))) continue;
          const paid = await call(services.payments!.url, 'POST', '/api/payments', {
            token: fan.token,
            body: { orderId, card: CARD },
          }).catch(() => ({ status: 0 }));
          count(paid.status);
          if (paid.status === 202) {
            tally.paid += 1;
            totals.paid += 1;
          }
        }
        await sleep(50);
      }
    };
    const payable = async (orderId: string, token: string) => {
      for (let tries = 0; tries < 40 && !stopping; tries += 1) {
        const seen = await call(services.orders!.url, 'GET', `/api/orders/${orderId}`, {
          token,
        }).catch(() => ({ status: 0, body: undefined as never }));
        const status = (seen.body as { order?: { status?: string } } | undefined)?.order?.status;
        if (status === 'awaiting_payment') return true;
        if (status && status !== 'created') return false;
        await sleep(250);
      }
      return false;
    };
    const buying = Promise.all(Array.from({ length: profile.buyers }, (_, n) => buyer(n)));

    const faults = partnerSync ? [...profile.faults, ...profile.partnerFaults] : profile.faults;
    for (const fault of faults) {
      await sleep(1500);
      tally = empty();
      const label =
        fault.kind === 'service'
          ? `SIGKILL ${fault.names.join(' + ')}`
          : `${fault.how === 'kill' ? 'SIGKILL' : 'stop'} ${fault.name}`;
      log(`${label}, down ${fault.downMs} ms …`);
      if (fault.kind === 'service') {
        for (const name of fault.names) await stopServiceProcess(services[name]!, 'SIGKILL');
        await sleep(fault.downMs);
        await Promise.all(fault.names.map((name) => start(name)));
      } else {
        if (fault.how === 'kill') {
          await servers.kill(fault.name);
          await sleep(fault.downMs);
          await servers.start(fault.name);
        } else {
          await servers.restart(fault.name, fault.downMs);
        }
      }
      const back = Date.now();
      for (const name of names) {
        const service = services[name]!;
        if (service.ended())
          throw new Error(
            `${name} exited (${service.ended()}) after ${label}; see ${service.logFile}`,
          );
        await waitUntilReady(service, 240_000);
      }
      await sleep(1500);
      report.faults.push({
        fault: label,
        downMs: fault.downMs,
        recoveredMs: Date.now() - back,
        ...tally,
      });
    }
    stopping = true;
    await buying;

    // Let every lock run out and every event land, then look. Consumers back off up to 15 s
    // while a dependency was away, so the state is judged only once it has stopped moving:
    // every lock ended, no payment in flight, and two passes of the checks 3 s apart agree.
    const check = new Client({ connectionString: env.databaseUrl });
    await check.connect();
    const bus = await EventBus.connect({
      servers: env.env.NATS_URL as string,
      namespace: env.namespace,
      service: 'chaos-check',
      user: 'admin',
      credentialsDir: env.env.CREDENTIALS_DIR,
      logger: createLogger('chaos-check', { level: 'silent' }),
    });
    const look = async () => {
      const violations = await checkInvariants(check);
      for (const letter of await listDeadLetters(bus))
        violations.push(`dead letter: ${letter.consumer} ${letter.subject}: ${letter.reason}`);
      let partnerLog: string | undefined;
      if (partnerSync) {
        const partner = await checkPartnerLog(
          check,
          servers.env.KAFKA_BROKERS as string,
          'fifa-world-cup-2022-ticket-sales-dev',
          CLIENT_ID,
        );
        partnerLog = partner.summary;
        violations.push(...partner.violations);
      }
      return { violations, partnerLog };
    };
    try {
      const settleFrom = Date.now();
      const settleBy = settleFrom + (profile.lockSeconds + 60) * 1000;
      log(
        `settling (every lock ends within ${profile.lockSeconds} s; at most ${profile.lockSeconds + 60} s) …`,
      );
      let seen: Awaited<ReturnType<typeof look>> | undefined;
      for (;;) {
        const [moving] = (
          await check.query(
            `SELECT (SELECT count(*) FROM orders.orders WHERE status IN ('created', 'awaiting_payment'))::int
                  + (SELECT count(*) FROM payments.payments WHERE status = 'refund_pending')::int AS n`,
          )
        ).rows;
        if (moving.n === 0) {
          const now = await look();
          if (seen && now.violations.length === 0 && seen.violations.length === 0) {
            seen = now;
            break;
          }
          seen = now;
        }
        if (Date.now() > settleBy) {
          seen = await look();
          break;
        }
        await sleep(3000);
      }
      report.violations.push(...seen.violations);
      report.partnerLog = seen.partnerLog;
      report.settledMs = Date.now() - settleFrom;
      const [books] = (
        await check.query(
          `SELECT (SELECT count(*) FROM tickets.tickets)::int AS tickets,
                  (SELECT count(*) FROM payments.payments WHERE status = 'refunded')::int AS refunded,
                  (SELECT count(*) FROM orders.orders WHERE status = 'complete')::int AS complete`,
        )
      ).rows;
      Object.assign(totals, books);
      if (report.violations.length > 0) log(await explainViolations(check, bus, report.violations));
    } finally {
      await check.end();
      await bus.close();
    }
    for (const fault of report.faults) {
      if (fault.failed5xx > 0)
        report.violations.push(
          `${fault.fault}: ${fault.failed5xx} requests failed with 5xx other than 503`,
        );
    }
    report.durationMs = Date.now() - began;
    return report;
  } finally {
    for (const service of Object.values(services)) await stopServiceProcess(service!);
    await env?.cleanup().catch(() => undefined);
    if (process.env.CHAOS_KEEP_LOGS === 'true') {
      const kept = `${servers.home}-logs`;
      await import('node:fs').then((fs) => {
        fs.cpSync(path.join(servers.home, 'service-logs'), kept, { recursive: true });
        // The servers' own logs (PostgreSQL's crash recovery, NATS's JetStream restore).
        fs.cpSync(path.join(servers.home, 'logs'), path.join(kept, 'servers'), {
          recursive: true,
        });
      });
      log(`service logs kept in ${kept}`);
    }
    await servers.stopAll();
  }
}

export function formatReport(report: ChaosReport): string {
  const header = [
    'fault',
    'down ms',
    'requests',
    'placed',
    'paid',
    '503',
    'no answer',
    'other 5xx',
    'recovered ms',
  ];
  const rows = report.faults.map((f) => [
    f.fault,
    String(f.downMs),
    String(f.requests),
    String(f.placed),
    String(f.paid),
    String(f.refused503),
    String(f.unreachable),
    String(f.failed5xx),
    String(f.recoveredMs),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] as string).length)),
  );
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  return [
    `chaos run (${report.profile}${report.partnerSync ? ', partner sync' : ''}) in ${Math.round(report.durationMs / 1000)} s, settled ${Math.round((report.settledMs ?? 0) / 1000)} s after buying stopped`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `purchase attempts ${report.totals.fans} (each by a new fan, refusals included), orders placed ${report.totals.placed}, payments accepted ${report.totals.paid}; afterwards ${report.totals.complete} orders complete, ${report.totals.tickets} tickets issued, ${report.totals.refunded} payments refunded`,
    ...(report.partnerLog ? [report.partnerLog] : []),
    report.violations.length === 0
      ? `invariants: oversell 0; every charge has its tickets or a refund; every hold sold or released; every order ended or payable; no dead letters${report.partnerSync ? '; partner log, ledger and tickets agree' : ''}`
      : `VIOLATIONS (${report.violations.length}):\n  ${report.violations.join('\n  ')}`,
  ].join('\n');
}

/** The bundled master list's first three matches, every category at `capacity` seats. */
function smallMasterList(capacity: number) {
  const all = JSON.parse(fs.readFileSync(SEED_MASTER_LIST, 'utf8')) as {
    matchNumber: number;
    availability: Record<string, { available: number; pending: number; price: number }>;
  }[];
  return all
    .filter((m) => m.matchNumber <= 3)
    .map((m) => ({
      ...m,
      availability: Object.fromEntries(
        Object.entries(m.availability).map(([k, v]) => [
          k,
          { ...v, available: capacity, pending: 0 },
        ]),
      ),
    }));
}

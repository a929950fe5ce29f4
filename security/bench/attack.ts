/**
 * `npm run attack`: a scripted attack on a running platform, bounded in count and time,
 * loopback only (not a test; run on demand). It starts the platform with the launcher that
 * `npm start` uses, in a private home with private servers and ports (attack.config.json),
 * then runs, at the same time:
 *   - credential stuffing: `guesses` sign-ins over `accounts` real accounts, the right
 *     password being each account's last candidate, from `addresses` addresses;
 *   - a sign-up flood from one address and from one simulated /24;
 *   - seat hoarding by throw-away accounts (created from one /24) during the on-sale;
 *   - an SSE connection flood; a bot user agent scraping /api/matches;
 * while `honestFans` fans sign up, look at the hot match, order and pay. Bots solve
 * proof-of-work challenges when asked, as a determined attacker would.
 * Prints per attack what got through, the honest fans' success rate and p99, and 5xx counts.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ADMIN_USER, connectNats, localCredentialsDir } from '@ticketaka/common';
import { percentile } from '@ticketaka/common/testing';
import { startPlatform } from '../../infra/src/launcher/platform';
import { dataDir, repoRoot } from '../../infra/src/paths';
import { servicePortsMovedBy } from '../../infra/src/services';
import type { RunningServer } from '../../infra/src/servers/server';
import { cpuBetween, snapshotCpu } from '../../infra/src/bench/process-cpu';
import { setSessionNice } from '../../infra/src/process/scheduling';
import {
  clientAt,
  pool,
  sleep,
  Tally,
  withChallenge,
  type Answer,
  type Send,
} from './attack-client';

const config = JSON.parse(fs.readFileSync(path.join(__dirname, 'attack.config.json'), 'utf8'));
const run = Date.now().toString(36);
const PASSWORD = 'correct horse battery staple';
const hot = config.hotMatch as { matchNumber: number; category: number; capacity: number };
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const card = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030, cvc: '123' };

function platformEnv(): NodeJS.ProcessEnv {
  // Inside the checkout's git-ignored .local, where the launcher's servers may write.
  const home = path.join(repoRoot, '.local', `attack-${run}`);
  fs.mkdirSync(home, { recursive: true });
  return {
    ...process.env,
    // Every registered service on its default port + 300, away from a developer's platform.
    ...servicePortsMovedBy(300),
    ...config.env,
    TICKETAKA_HOME: home,
    GATEWAY_TRUSTED_PROXIES: (config.trustedProxies as string[]).join(','),
  };
}

/** The on-sale: one big hot category, loaded as the organiser's master list would be. */
async function loadHotMatch(env: NodeJS.ProcessEnv) {
  // As the installation's admin: the private NATS, like every NATS here, wants credentials.
  const nc = await connectNats({
    servers: `nats://127.0.0.1:${env.NATS_PORT}`,
    user: ADMIN_USER,
    credentialsDir: localCredentialsDir(env),
    name: 'attack-drill',
  });
  const seats = { available: hot.capacity, pending: 0, price: 100 };
  const answer = await nc.request(
    'rpc.tickets.load-master-list',
    JSON.stringify({
      matches: [
        {
          matchNumber: hot.matchNumber,
          roundNumber: 1,
          dateUtc: '2026-07-19T19:00:00Z',
          location: 'Attack drill stadium',
          homeTeam: 'Drill A',
          awayTeam: 'Drill B',
          group: null,
          availability: { category1: seats, category2: seats, category3: seats },
        },
      ],
    }),
    { timeout: 10_000 },
  );
  await nc.close();
  if (!answer.json<{ ok?: unknown }>().ok)
    throw new Error(`loading the hot match failed: ${answer.string()}`);
}

async function signUp(send: Send, ip: string, email: string, patient = false) {
  const attempt = () =>
    withChallenge(send, 'POST', '/api/users/signup', {
      ip,
      body: { email, password: PASSWORD, displayName: 'Drill', country: 'AR' },
    });
  const answer = patient ? await step(attempt) : await attempt();
  return answer.status === 201 ? (answer.body.token as string) : undefined;
}

/**
 * Before the on-sale (not measured): the stuffing victims are real fans who signed up from
 * home, and the hoarders' 50 throw-away accounts were made earlier from as many addresses
 * (the worst case: sign-up quotas per address and /24 did not stop them).
 */
async function prepareAccounts(send: Send) {
  const victims: string[] = [];
  const hoarders: string[] = [];
  await pool(config.stuffing.accounts, 5, async (a) => {
    const email = `victim-${a}-${run}@example.com`;
    if (await signUp(send, `100.100.${a}.1`, email, true)) victims.push(email);
  });
  await pool(config.hoarding.accounts, 5, async (a) => {
    const token = await signUp(send, `100.101.${a}.1`, `hoarder-${a}-${run}@example.com`, true);
    if (token) hoarders.push(token);
  });
  return { victims, hoarders };
}

/** A fan's step; a refusal that says "try again" (429 / 503 with Retry-After) is retried twice, as the web client does. */
async function step(attempt: () => Promise<Answer>): Promise<Answer> {
  let answer = await attempt();
  for (let retry = 0; retry < 2 && (answer.status === 429 || answer.status === 503); retry++) {
    await sleep(Math.min(Number(answer.headers.get('retry-after') ?? 1), 5) * 1000);
    answer = await attempt();
  }
  return answer;
}

async function honestFans(send: Send) {
  let succeeded = 0;
  let firstTry = 0;
  const failures = new Map<string, number>();
  const fail = (why: string) => void failures.set(why, (failures.get(why) ?? 0) + 1);
  await pool(config.honestFans, config.honestConcurrency, async (i) => {
    // Each fan at home: an address of its own, in a /24 of its own.
    const ip = `100.${64 + (i >> 8)}.${i & 255}.10`;
    let retried = false;
    const track = step;
    const signup = await track(() =>
      withChallenge(send, 'POST', '/api/users/signup', {
        ip,
        body: {
          email: `fan-${i}-${run}@example.com`,
          password: PASSWORD,
          displayName: `Fan ${i}`,
          country: 'AR',
        },
      }),
    );
    if (signup.status !== 201) return fail(`signup ${signup.status}`);
    const token = signup.body.token as string;
    const view = await track(() => send('GET', `/api/matches/${hot.matchNumber}`, { ip, token }));
    if (view.status !== 200) return fail(`view ${view.status}`);
    const order = await track(async () => {
      const a = await withChallenge(send, 'POST', '/api/orders', {
        ip,
        token,
        headers: { 'idempotency-key': `fan-${i}-${run}` },
        body: { matchNumber: hot.matchNumber, category: hot.category, quantity: 2 },
      });
      if (a.status === 429 || a.status === 503) retried = true;
      return a;
    });
    if (order.status !== 201)
      return fail(`order ${order.status} ${order.body?.errors?.[0]?.code ?? ''}`);
    const pay = await track(() =>
      send('POST', '/api/payments', {
        ip,
        token,
        body: { orderId: order.body.id ?? order.body.order?.id, card },
      }),
    );
    if (pay.status !== 200 && pay.status !== 202)
      return fail(`pay ${pay.status} ${pay.body?.errors?.[0]?.code ?? ''}`);
    succeeded++;
    if (!retried) firstTry++;
  });
  return { succeeded, firstTry, failures };
}

async function credentialStuffing(send: Send, victims: string[]) {
  const { guesses, addresses, concurrency } = config.stuffing;
  const perAccount = Math.floor(guesses / victims.length);
  const guessed = new Set<string>();
  let tried = 0;
  const byStatus = new Tally();
  // Round-robin over accounts, the right password last for each: without a defence every account falls.
  await pool(perAccount * victims.length, concurrency, async (n) => {
    const round = Math.floor(n / victims.length);
    const email = victims[n % victims.length]!;
    const password = round === perAccount - 1 ? PASSWORD : `guess ${round} for ${email}`;
    const ip = `198.18.0.${(n % addresses) + 1}`;
    const answer = await withChallenge(send, 'POST', '/api/users/signin', {
      ip,
      body: { email, password },
    });
    tried++;
    byStatus.count(answer);
    if (answer.status === 200) guessed.add(email);
  });
  return { victims: victims.length, tried, guessed: guessed.size, answers: byStatus.describe() };
}

async function signUpFlood(send: Send) {
  const { fromOneIp, fromOneNetwork, concurrency } = config.signupFlood;
  let oneIp = 0;
  let network = 0;
  await pool(fromOneIp, concurrency, async (n) => {
    if (await signUp(send, '203.0.113.66', `flood-ip-${n}-${run}@example.com`)) oneIp++;
  });
  await pool(fromOneNetwork, concurrency, async (n) => {
    if (await signUp(send, `198.51.100.${(n % 250) + 1}`, `flood-net-${n}-${run}@example.com`))
      network++;
  });
  return { oneIp: `${oneIp} of ${fromOneIp}`, network: `${network} of ${fromOneNetwork}` };
}

async function hoarding(send: Send, accounts: string[]) {
  const { attemptsPerAccount, concurrency } = config.hoarding;
  // During the on-sale the bots order from the attacker's own /24.
  const tokens = accounts.map((token, a) => ({ token, ip: `192.0.2.${(a % 50) + 1}` }));
  let placed = 0;
  await pool(tokens.length * attemptsPerAccount, concurrency, async (n) => {
    const { token, ip } = tokens[n % tokens.length]!;
    const answer = await withChallenge(send, 'POST', '/api/orders', {
      ip,
      token,
      body: { matchNumber: hot.matchNumber, category: hot.category, quantity: 4 },
    });
    if (answer.status === 201) {
      placed++;
      // Cancel and grab again straight away, the usual trick to keep seats locked.
      if (n % 2 === 0) await send('DELETE', `/api/orders/${answer.body.order.id}`, { ip, token });
    }
  });
  // What they still hold unpaid at the end (their own view of their orders).
  let heldSeats = 0;
  for (const { token, ip } of tokens) {
    const mine = await send('GET', '/api/orders', { ip, token });
    const list = (Array.isArray(mine.body) ? mine.body : (mine.body?.orders ?? [])) as {
      status: string;
      quantity: number;
      matchNumber: number;
    }[];
    heldSeats += list
      .filter((o) => o.status === 'awaiting_payment' && o.matchNumber === hot.matchNumber)
      .reduce((n, o) => n + o.quantity, 0);
  }
  return { accounts: `${tokens.length} accounts`, ordersPlaced: placed, heldSeats };
}

async function sseFlood(gateway: string) {
  const { fromOneIp, addresses, perAddress, holdSeconds } = config.sseFlood;
  // The responses are kept referenced: an unreferenced body may be collected and its
  // connection closed, which would free a slot and flatter the cap.
  const open: { controller: AbortController; response: Response }[] = [];
  const statuses = new Tally();
  const attempt = async (ip: string) => {
    const controller = new AbortController();
    const response = await fetch(`${gateway}/api/matches/stream`, {
      headers: {
        'x-forwarded-for': ip,
        'user-agent': 'Mozilla/5.0 Chrome/131',
        'accept-language': 'en',
      },
      signal: controller.signal,
    }).catch(() => undefined);
    statuses.count({
      status: response?.status ?? 0,
      body: undefined,
      headers: new Headers(),
      ms: 0,
    });
    if (response?.status === 200) open.push({ controller, response });
    else controller.abort();
  };
  await pool(fromOneIp, 20, () => attempt('203.0.113.99'));
  const fromOne = open.length;
  await pool(addresses * perAddress, 20, (n) => attempt(`203.0.114.${(n % addresses) + 1}`));
  await sleep(holdSeconds * 1000);
  for (const { controller } of open) controller.abort();
  return {
    fromOneIp: `${fromOne} of ${fromOneIp} open`,
    spread: `${open.length - fromOne} of ${addresses * perAddress} open`,
    answers: statuses.describe(),
  };
}

async function scraper(send: Send) {
  const { requests, concurrency } = config.scraper;
  let through = 0;
  await pool(requests, concurrency, async () => {
    const answer = await send('GET', '/api/matches', {
      ip: '203.0.113.200',
      headers: { 'user-agent': 'Scrapy/2.11 (+https://scrapy.org)' },
    });
    if (answer.status === 200) through++;
  });
  return { through: `${through} of ${requests}` };
}

/** From security's Prometheus histogram: how many checks were slower than the gateway's 50 ms. */
async function checkLatency(env: NodeJS.ProcessEnv) {
  const text = await (await fetch(`http://127.0.0.1:${env.SECURITY_PORT}/metrics`)).text();
  // Summed over the verdict labels.
  const bucket = (le: string) =>
    [...text.matchAll(/^security_check_duration_seconds_bucket\{([^}]*)\} (\d+)$/gm)]
      .filter((m) => m[1]?.includes(`le="${le}"`))
      .reduce((n, m) => n + Number(m[2]), 0);
  const total = bucket('+Inf');
  // The event loop's delay (prom-client's default metrics, since the service started).
  const lag = (name: string) =>
    Number(
      text.match(
        new RegExp(`^nodejs_eventloop_lag_${name}_seconds(?:\\{[^}]*\\})? (\\S+)$`, 'm'),
      )?.[1] ?? NaN,
    ) * 1000;
  return { total, over50: total - bucket('0.05'), lagP99: lag('p99'), lagMax: lag('max') };
}

/**
 * Why checks failed as nginx saw them (its error log has one line per failed subrequest):
 * a timeout while connecting, a timeout waiting for the answer, or anything else.
 */
function gatewayCheckFailures(env: NodeJS.ProcessEnv) {
  const file = path.join(dataDir('nginx', env), 'logs', 'error.log');
  const lines = fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.includes('/_security_check'))
    : [];
  const timedOut = lines.filter((l) => l.includes('timed out'));
  const byRoute = new Map<string, number>();
  for (const line of timedOut) {
    const request = /request: "(\w+) ([^ ?"]+)/.exec(line);
    const route = request
      ? `${request[1]} ${request[2]!.replace(/\/[0-9a-f-]{8,}/g, '/:id')}`
      : '?';
    byRoute.set(route, (byRoute.get(route) ?? 0) + 1);
  }
  return {
    timedOut: timedOut.length,
    connect: timedOut.filter((l) => l.includes('while connecting')).length,
    other: lines.length - timedOut.length,
    byRoute: [...byRoute]
      .sort((a, b) => b[1] - a[1])
      .map(([route, n]) => `${route}×${n}`)
      .join(', '),
  };
}

async function main() {
  const env = platformEnv();
  const gateway = `http://127.0.0.1:${env.GATEWAY_PORT}`;
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(gateway))
    throw new Error('the attack runs on loopback only');
  let started: RunningServer[] = [];
  const deadline = setTimeout(() => {
    console.error(`time limit of ${config.timeLimitSeconds} s reached; stopping`);
    process.exit(2);
  }, config.timeLimitSeconds * 1000);
  try {
    console.log(`Starting a private platform (${env.TICKETAKA_HOME}) …`);
    started = await startPlatform(env, {
      step: () => ({ done: () => undefined, fail: () => undefined }),
    });
    await loadHotMatch(env);
    const honest = new Tally();
    const attack = new Tally();
    const honestSend = clientAt(gateway, honest);
    const attackSend = clientAt(gateway, attack);
    const prepared = await prepareAccounts(attackSend);
    console.log(
      `Prepared ${prepared.victims.length} victim and ${prepared.hoarders.length} throw-away accounts`,
    );
    console.log(`Attacking ${gateway} while ${config.honestFans} fans buy …`);
    const processes = Object.fromEntries(
      started.flatMap((server) => (server.pid ? [[server.name, server.pid]] : [])),
    );
    // The platform's processes are this script's children: its own share is counted apart.
    const cpuBefore = snapshotCpu(processes);
    const ownCpuBefore = process.cpuUsage();
    const began = Date.now();
    const [fans, stuffing, flood, hoard, sse, scrape] = await Promise.all([
      honestFans(honestSend),
      credentialStuffing(attackSend, prepared.victims),
      signUpFlood(attackSend),
      hoarding(attackSend, prepared.hoarders),
      sseFlood(gateway),
      scraper(attackSend),
    ]);
    const elapsedMs = Date.now() - began;
    const seconds = (elapsedMs / 1000).toFixed(0);
    const cpu = cpuBetween(cpuBefore, snapshotCpu(processes));
    const own = process.cpuUsage(ownCpuBefore);
    cpu.set('attack script (its clients)', (own.user + own.system) / 1000);
    const checks = await checkLatency(env);
    const rate = ((100 * fans.succeeded) / config.honestFans).toFixed(1);
    console.log(`\nResults after ${seconds} s`);
    console.log(
      `  credential stuffing: ${stuffing.tried} guesses over ${stuffing.victims} accounts → ${stuffing.guessed} accounts guessed (goal 0); answers ${stuffing.answers}`,
    );
    console.log(
      `  sign-up flood:       one address created ${flood.oneIp}; one /24 created ${flood.network}`,
    );
    console.log(
      `  hoarding:            ${hoard.accounts}, ${hoard.ordersPlaced} orders placed, ${hoard.heldSeats} seats held unpaid at the end = ${((100 * hoard.heldSeats) / hot.capacity).toFixed(1)} % of the hot category (goal ≤ 5 %)`,
    );
    console.log(
      `  SSE flood:           one address ${sse.fromOneIp}; ${sse.spread} from ${config.sseFlood.addresses} addresses; answers ${sse.answers}`,
    );
    console.log(`  bot scraping:        ${scrape.through} requests answered`);
    console.log(
      `  honest fans:         ${fans.succeeded} of ${config.honestFans} bought (${rate} %, goal ≥ 99 %), ${fans.firstTry} without any retry; p50 ${percentile(sorted(honest.latencies), 50).toFixed(0)} ms, p99 ${percentile(sorted(honest.latencies), 99).toFixed(0)} ms per request; answers ${honest.describe()}`,
    );
    console.log(
      `  the check itself:    ${checks.total} checks, ${checks.over50} took over 50 ms inside security (the gateway then applies the fail policy); its event loop's delay p99 ${checks.lagP99.toFixed(0)} ms, max ${checks.lagMax.toFixed(0)} ms`,
    );
    if (fans.failures.size)
      console.log(
        `                       failures: ${[...fans.failures].map(([k, v]) => `${k}×${v}`).join(', ')}`,
      );
    console.log(
      `  5xx:                 honest ${honest.serverErrors} (${honest.describeServerErrors()}), attack ${attack.serverErrors} (${attack.describeServerErrors()}) (goal 0)`,
    );
    const causes = gatewayCheckFailures(env);
    console.log(
      `  the gateway's view:  ${causes.timedOut} checks timed out (${causes.connect} while connecting), ${causes.other} other check errors in nginx's error log; timed out by route: ${causes.byRoute}`,
    );
    // Where the two cores went: the platform shares them with the attack's own clients.
    const cores = [...cpu].sort((a, b) => b[1] - a[1]);
    const total = cores.reduce((n, [, ms]) => n + ms, 0);
    console.log(
      `  CPU while attacked:  ${(total / 1000).toFixed(1)} core-seconds in ${seconds} s (${((100 * total) / elapsedMs).toFixed(0)} % of one core)`,
    );
    for (const [name, ms] of cores)
      console.log(
        `    ${name.padEnd(30)} ${(ms / 1000).toFixed(1).padStart(6)} s  ${((100 * ms) / total).toFixed(0).padStart(3)} %`,
      );
  } finally {
    clearTimeout(deadline);
    for (const server of [...started].reverse())
      if (server.started) await server.stop().catch(() => undefined);
    fs.rmSync(env.TICKETAKA_HOME!, { recursive: true, force: true });
  }
}

/**
 * The attack's clients stand in for machines elsewhere, yet here they share the platform's two
 * cores. With `clientsNice` set, the script reruns itself in a session of its own at that nice
 * level (Linux shares the cores between sessions first, infra/src/process/scheduling.ts), so
 * the platform gets a core before the load generator does. The clients' own latencies then
 * include their waits for a core; what the platform answers does not change.
 */
const clientsNice = Number(config.clientsNice ?? 0);
if (clientsNice > 0 && process.env.ATTACK_OWN_SESSION !== '1') {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: 'inherit',
    env: { ...process.env, ATTACK_OWN_SESSION: '1' },
  });
  // Its own session is out of reach of the terminal's Ctrl-C: pass it on.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  if (clientsNice > 0)
    console.log(
      setSessionNice(process.pid, clientsNice)
        ? `The attack's clients run at nice ${clientsNice} (attack.config.json clientsNice)`
        : `The attack's clients run beside the platform as equals: this kernel has no writable /proc/<pid>/autogroup`,
    );
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

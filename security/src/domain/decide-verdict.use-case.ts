import { randomBytes } from 'node:crypto';
import { Counter } from 'prom-client';
import {
  isReadMethod,
  routePolicies,
  securityEvents,
  type CurrentUser,
  type RoutePolicyName,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { SecurityConfig } from '../config';
import type { OrderActivityStore } from '../data-access/order-activity.store';
import type { Blocklist } from './manage-blocklist.use-case';
import type { Challenges } from './challenge';
import { networkOf, normaliseIp } from './client-address';
import { readSignals, type RequestHeaders } from './client-signals';
import { createLoadTestAllowance } from './load-test-allowance';
import type { LimitExceeded, Limits } from './rate-limits';
import { allow, type Verdict } from './verdict';

export interface CheckInput {
  /** The client address as the gateway determined it (its own trusted-proxy handling). */
  ip: string;
  method: string;
  path: string;
  policy: RoutePolicyName;
  user: CurrentUser | null;
  headers: RequestHeaders;
  altcha: string | undefined;
}

export interface VerdictDeps {
  runtime: ServiceRuntime<SecurityConfig>;
  limits: Limits;
  blocklist: Blocklist;
  challenges: Challenges;
  orders: OrderActivityStore;
  /** The clock, so tests of expiry need no sleeping. */
  now?: () => number;
}

const reference = () => randomBytes(8).toString('hex');

const rateLimited = (reason: string, exceeded: LimitExceeded): Verdict => ({
  kind: 'rate_limited',
  reason,
  ...exceeded,
});

export interface Decision {
  verdict: Verdict;
  /** The source is a configured load-test source: per-address / per-network rules were skipped. */
  loadTest: boolean;
}

/**
 * The check in front of every public request, cheapest and most certain first:
 * blocklist (memory) → known bot → velocity and per-route limits (Redis) → for writes,
 * botnet and hoarding rules → proof-of-work where the route or the client calls for it.
 * Redis errors propagate: the route's fail policy at the gateway decides, not this code.
 */
export function createVerdicts(deps: VerdictDeps) {
  const { runtime, limits, blocklist, challenges, orders } = deps;
  const config = runtime.config;
  const hot = config.HOT_MATCHES !== '';
  const autoBanned = new Set<string>();
  const loadTestSources = createLoadTestAllowance(config.SECURITY_LOAD_TEST_SOURCES);
  const loadTestChecks = new Counter({
    name: 'security_load_test_allowance_total',
    help: 'Checks from a configured load-test source (per-address and per-network rules skipped)',
    labelNames: ['policy'],
    registers: [runtime.metrics.registry],
  });
  if (loadTestSources.sources.length > 0)
    runtime.logger.warn(
      { sources: loadTestSources.sources },
      'load-test allowance configured: per-address and per-network limits are off for these sources',
    );
  // One log line a minute while the allowance is in use, not one per request.
  let loadTestUses = 0;
  let loadTestLoggedAt = 0;
  function noteLoadTest(policy: RoutePolicyName) {
    loadTestChecks.inc({ policy });
    loadTestUses += 1;
    const now = Date.now();
    if (now - loadTestLoggedAt < 60_000) return;
    runtime.logger.info(
      { checks: loadTestUses, sources: loadTestSources.sources },
      'load-test allowance used',
    );
    loadTestLoggedAt = now;
    loadTestUses = 0;
  }

  async function decide(input: CheckInput): Promise<Verdict> {
    return (await evaluate(input)).verdict;
  }

  async function evaluate(input: CheckInput): Promise<Decision> {
    const policy = routePolicies[input.policy];
    if (!policy.checked) return { verdict: allow, loadTest: false };
    const address = normaliseIp(input.ip);
    if (!address)
      return {
        verdict: { kind: 'blocked', reason: 'no_client_address', reference: reference() },
        loadTest: false,
      };
    const loadTest = loadTestSources.covers(address.ip, address.family);
    if (loadTest) noteLoadTest(input.policy);
    return { verdict: await rules(input, address, loadTest), loadTest };
  }

  async function rules(
    input: CheckInput,
    { ip, family }: NonNullable<ReturnType<typeof normaliseIp>>,
    loadTest: boolean,
  ): Promise<Verdict> {
    const policy = routePolicies[input.policy];

    if (blocklist.matcher.match(ip, family, deps.now?.()))
      return { kind: 'blocked', reason: 'blocklisted', reference: reference() };

    const signals = readSignals(input.headers);
    if (signals.knownBot && config.BLOCK_KNOWN_BOTS)
      return { kind: 'blocked', reason: 'known_bot', reference: reference() };

    if (!loadTest) {
      const [velocity, perIp] = await Promise.all([
        limits.velocity.take(ip),
        input.policy === 'exempt' ? undefined : limits.perIp[input.policy].take(ip),
      ]);
      if (velocity) return rateLimited('velocity', velocity);
      if (perIp) return rateLimited('ip_rate', perIp);
    }

    if (isReadMethod(input.method)) return allow;
    const network = networkOf(ip, family);
    // Anti-hoarding and challenges concern creating things (an order, an account), not
    // cancelling or editing them.
    const creating = input.method === 'POST';

    if (input.policy === 'purchase' && creating && input.user) {
      const [exceeded, standing] = await Promise.all([
        limits.purchasePerAccount.take(input.user.id),
        policy.antiHoarding ? orders.standing(input.user.id) : undefined,
      ]);
      if (exceeded) return rateLimited('account_rate', exceeded);
      if (standing) {
        if (standing.cooldownSeconds > 0)
          return rateLimited('order_cooldown', cooldownExceeded(standing.cooldownSeconds));
        if (standing.unpaidOrders >= config.MAX_UNPAID_ORDERS_PER_ACCOUNT)
          return rateLimited('unpaid_orders', cooldownExceeded(60, 'unpaid-orders'));
        if (standing.resaleLocks >= config.MAX_LIVE_RESALE_LOCKS_PER_ACCOUNT)
          return rateLimited('resale_lock', cooldownExceeded(60, 'resale-locks'));
      }
    }

    const suspect = signals.missingBrowserHeaders || hot;
    const needsChallenge =
      creating && (policy.challenge === 'always' || (policy.challenge === 'suspect' && suspect));
    if (needsChallenge) {
      const outcome = await challenges.redeem(input.altcha);
      if (outcome !== 'accepted')
        return {
          kind: 'challenge',
          reason: input.altcha ? `challenge_${outcome}` : 'challenge_missing',
        };
    }

    // Counted only once the request carries a valid solution: botnet quotas measure work
    // that was actually attempted, and an unsolved request costs the fan nothing.
    if (input.policy === 'signup' && !loadTest) {
      // One round trip for the three quotas: every solved attempt from a network counts
      // against it, whether or not its address was over its own quota.
      const [byIp, byNetwork, byFingerprint] = await Promise.all([
        limits.signupsPerIp.take(ip),
        limits.signupsPerNetwork.take(network),
        limits.signupsPerFingerprint.take(signals.fingerprint),
      ]);
      if (byIp) return rateLimited('signups_per_ip', byIp);
      if (byNetwork) return rateLimited('signups_per_network', byNetwork);
      if (byFingerprint) return rateLimited('signups_per_fingerprint', byFingerprint);
    }
    if (policy.antiHoarding && creating && !loadTest) {
      const byNetwork = await limits.ordersPerNetwork.take(network);
      if (byNetwork) return rateLimited('orders_per_network', byNetwork);
    }
    return allow;
  }

  function cooldownExceeded(seconds: number, name = 'order-cooldown'): LimitExceeded {
    return {
      limiter: name,
      retryAfterSeconds: seconds,
      policyHeader: `"${name}";q=${config.MAX_UNPAID_ORDERS_PER_ACCOUNT};w=${seconds}`,
      limitHeader: `"${name}";r=0;t=${seconds}`,
    };
  }

  // Under attack the same refusal repeats thousands of times a second: one event per
  // (address, kind, reason) per sampling interval is enough for the dashboard.
  const lastPublished = new Map<string, number>();
  function publish(input: CheckInput, verdict: Exclude<Verdict, { kind: 'allow' }>, ref: string) {
    const key = `${input.ip}|${verdict.kind}|${verdict.reason}`;
    const now = Date.now();
    if (now - (lastPublished.get(key) ?? 0) < config.EVENT_SAMPLE_MS) return;
    lastPublished.set(key, now);
    if (lastPublished.size > 10_000) lastPublished.clear();
    const data = {
      reference: ref,
      ip: input.ip.slice(0, 64),
      userId: input.user?.id ?? null,
      method: input.method.slice(0, 16),
      path: input.path.slice(0, 300),
      policy: input.policy,
      reason: verdict.reason,
    };
    const event =
      verdict.kind === 'blocked'
        ? securityEvents.requestBlocked.create(data)
        : verdict.kind === 'challenge'
          ? securityEvents.requestChallenged.create(data)
          : securityEvents.requestRateLimited.create({
              ...data,
              retryAfterSeconds: verdict.retryAfterSeconds,
            });
    // A fact about a refused request, not a state change: published directly, never
    // awaited by the check, dropped (and logged) if NATS is away.
    runtime.bus
      .publish(event)
      .catch((err) => runtime.logger.debug({ err }, 'security event not published'));
  }

  /** Repeated refusals from one address become a temporary ban (an automatic blocklist entry). */
  async function countRefusal(ip: string) {
    if (autoBanned.has(ip)) return;
    const exceeded = await limits.refusals.take(ip);
    if (!exceeded) return;
    autoBanned.add(ip);
    setTimeout(() => autoBanned.delete(ip), 60_000).unref();
    await blocklist.add({
      network: ip,
      reason: `automatic: more than ${config.AUTO_BAN_AFTER_REFUSALS} refused requests in a minute`,
      author: 'security:auto',
      automatic: true,
      expiresAt: new Date(Date.now() + config.AUTO_BAN_SECONDS * 1000),
    });
  }

  return {
    decide,
    /** Decides, and records any refusal (event, auto-ban counter). */
    async check(
      input: CheckInput,
    ): Promise<{ verdict: Verdict; reference: string | undefined; loadTest: boolean }> {
      const { verdict, loadTest } = await evaluate(input);
      if (verdict.kind === 'allow') return { verdict, reference: undefined, loadTest };
      const ref = verdict.kind === 'blocked' ? verdict.reference : reference();
      publish(input, verdict, ref);
      // An automatic ban is a per-address rule too: a load-test source is never auto-banned.
      if (!loadTest && verdict.kind !== 'challenge' && verdict.reason !== 'blocklisted')
        void countRefusal(input.ip).catch((err) =>
          runtime.logger.warn({ err }, 'automatic ban failed'),
        );
      return { verdict, reference: ref, loadTest };
    },
  };
}

export type Verdicts = ReturnType<typeof createVerdicts>;

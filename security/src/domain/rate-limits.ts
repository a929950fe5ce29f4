import type Redis from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { RoutePolicyName } from '@ticketaka/common';
import type { SecurityConfig } from '../config';

export interface LimitExceeded {
  limiter: string;
  retryAfterSeconds: number;
  /** IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers). */
  policyHeader: string;
  limitHeader: string;
}

/**
 * Fixed-window counting for several keys in one round trip. The same semantics and key
 * format as rate-limiter-flexible's RateLimiterRedis (a counter created with the window as
 * its expiry, incremented, its remaining time returned), so its `get` and `delete` read and
 * reset exactly these counters. Written as one script because a check touches two to three
 * counters, and one Redis write per counter was the largest part of a check's CPU time.
 * Returns consumed, ms-left pairs in KEYS order.
 */
const TAKE_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[i + 1])
  redis.call('SET', key, 0, 'EX', window, 'NX')
  local consumed = redis.call('INCRBY', key, ARGV[1])
  local ttl = redis.call('PTTL', key)
  if ttl == -1 then
    redis.call('EXPIRE', key, window)
    ttl = 1000 * window
  end
  out[#out + 1] = consumed
  out[#out + 1] = ttl
end
return out`;

type TakeCommand = (keys: number, ...args: (string | number)[]) => Promise<number[]>;
const withTake = new WeakSet<Redis>();
function takeCommand(redis: Redis): TakeCommand {
  if (!withTake.has(redis)) {
    redis.defineCommand('securityTakeLimits', { lua: TAKE_SCRIPT });
    withTake.add(redis);
  }
  const client = redis as unknown as { securityTakeLimits: TakeCommand };
  return client.securityTakeLimits.bind(redis);
}

/**
 * A named fixed-window counter shared by every replica through Redis. `take` answers the
 * exceeded limit or undefined; a Redis failure is thrown, never read as "allowed". A key
 * over its limit is refused from memory until its window ends: an attacker's flood stops
 * costing Redis round trips.
 */
export class Limit {
  /** rate-limiter-flexible's view of the same counters: reads and resets. */
  private readonly limiter: RateLimiterRedis;
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    readonly redis: Redis,
    prefix: string,
    readonly name: string,
    readonly points: number,
    readonly windowSeconds: number,
  ) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:rl:${name}`,
      points,
      duration: windowSeconds,
    });
  }

  /** The Redis key of `key`'s counter (rate-limiter-flexible's format). */
  redisKey(key: string): string {
    return this.limiter.getKey(key);
  }

  /** Milliseconds `key` is still refused from memory (0: ask Redis). */
  blockedMs(key: string, now: number): number {
    const until = this.blockedUntil.get(key);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    this.blockedUntil.delete(key);
    return 0;
  }

  /** Reads one counter's answer from the script; remembers a key that went over. */
  settle(key: string, consumed: number, msLeft: number, now: number) {
    if (consumed <= this.points) return undefined;
    if (this.blockedUntil.size >= 50_000) this.forgetExpired(now);
    this.blockedUntil.set(key, now + msLeft);
    return this.exceeded(msLeft);
  }

  exceeded(msLeft: number): LimitExceeded {
    const seconds = Math.max(1, Math.ceil(msLeft / 1000));
    return {
      limiter: this.name,
      retryAfterSeconds: seconds,
      policyHeader: `"${this.name}";q=${this.points};w=${this.windowSeconds}`,
      limitHeader: `"${this.name}";r=0;t=${seconds}`,
    };
  }

  private forgetExpired(now: number) {
    for (const [key, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(key);
    // Still full of live blocks (a flood from very many addresses): Redis refuses them too.
    if (this.blockedUntil.size >= 50_000) this.blockedUntil.clear();
  }

  async take(key: string): Promise<LimitExceeded | undefined> {
    const [answer] = await takeTogether([[this, key]]);
    return answer;
  }

  /** Consumed points in the current window (0 when none). */
  async used(key: string): Promise<number> {
    const res = await this.limiter.get(key);
    return res?.consumedPoints ?? 0;
  }

  async reset(key: string): Promise<void> {
    this.blockedUntil.delete(key);
    await this.limiter.delete(key);
  }
}

/**
 * Takes one point from each (limit, key) in one Redis round trip; the answers come back in
 * the same order. Keys already refused from memory are not sent.
 */
export async function takeTogether(
  entries: readonly (readonly [Limit, string])[],
): Promise<(LimitExceeded | undefined)[]> {
  const now = Date.now();
  const answers: (LimitExceeded | undefined)[] = new Array(entries.length);
  const asked: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    const [limit, key] = entries[i]!;
    const blocked = limit.blockedMs(key, now);
    if (blocked > 0) answers[i] = limit.exceeded(blocked);
    else asked.push(i);
  }
  if (asked.length === 0) return answers;
  const redis = entries[asked[0]!]![0].redis;
  const keys = asked.map((i) => entries[i]![0].redisKey(entries[i]![1]));
  const windows = asked.map((i) => entries[i]![0].windowSeconds);
  const reply = await takeCommand(redis)(keys.length, ...keys, 1, ...windows);
  asked.forEach((i, n) => {
    const [limit, key] = entries[i]!;
    answers[i] = limit.settle(key, Number(reply[2 * n]), Number(reply[2 * n + 1]), now);
  });
  return answers;
}

export function createLimits(redis: Redis, prefix: string, config: SecurityConfig) {
  const limit = (name: string, points: number, window: number) =>
    new Limit(redis, prefix, name, points, window);
  const w = config.RATE_WINDOW_SECONDS;
  const perIp: Record<Exclude<RoutePolicyName, 'exempt'>, Limit> = {
    browse: limit('browse', config.RATE_BROWSE_PER_IP, config.RATE_BROWSE_WINDOW_SECONDS),
    page: limit('page', config.RATE_PAGE_PER_IP, config.RATE_BROWSE_WINDOW_SECONDS),
    stream: limit('stream', config.RATE_STREAM_PER_IP, w),
    signin: limit('signin', config.RATE_SIGNIN_PER_IP, w),
    signup: limit('signup', config.RATE_SIGNUP_PER_IP, w),
    purchase: limit('purchase', config.RATE_PURCHASE_PER_IP, w),
    admin: limit('admin', config.RATE_ADMIN_PER_IP, w),
  };
  const sw = config.SIGNUP_WINDOW_SECONDS;
  return {
    perIp,
    velocity: limit('velocity', config.VELOCITY_PER_SECOND, 1),
    purchasePerAccount: limit('purchase-account', config.RATE_PURCHASE_PER_ACCOUNT, w),
    ordersPerNetwork: limit('orders-network', config.ORDERS_PER_NETWORK, w * 10),
    signupsPerIp: limit('signups-ip', config.SIGNUPS_PER_IP, sw),
    signupsPerNetwork: limit('signups-network', config.SIGNUPS_PER_NETWORK, sw),
    signupsPerFingerprint: limit('signups-fingerprint', config.SIGNUPS_PER_FINGERPRINT, sw),
    /** Refusals per IP; past the limit the IP is banned for a while (automatic blocklist entry). */
    refusals: limit('refusals', config.AUTO_BAN_AFTER_REFUSALS, 60),
  };
}

export type Limits = ReturnType<typeof createLimits>;

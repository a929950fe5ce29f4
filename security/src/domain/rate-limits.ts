import type Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
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
 * A named fixed-window counter shared by every replica through Redis. `take` answers the
 * exceeded limit or undefined; a Redis failure is thrown, never read as "allowed".
 */
export class Limit {
  private readonly limiter: RateLimiterRedis;

  constructor(
    redis: Redis,
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
      // Keys over their limit are refused from memory until the window ends: an attacker's
      // flood stops costing Redis round trips.
      inMemoryBlockOnConsumed: points + 1,
      inMemoryBlockDuration: windowSeconds,
    });
  }

  async take(key: string, points = 1): Promise<LimitExceeded | undefined> {
    try {
      await this.limiter.consume(key, points);
      return undefined;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      return {
        limiter: this.name,
        retryAfterSeconds: seconds,
        policyHeader: `"${this.name}";q=${this.points};w=${this.windowSeconds}`,
        limitHeader: `"${this.name}";r=0;t=${seconds}`,
      };
    }
  }

  /** Consumed points in the current window (0 when none). */
  async used(key: string): Promise<number> {
    const res = await this.limiter.get(key);
    return res?.consumedPoints ?? 0;
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }
}

export function createLimits(redis: Redis, prefix: string, config: SecurityConfig) {
  const limit = (name: string, points: number, window: number) =>
    new Limit(redis, prefix, name, points, window);
  const w = config.RATE_WINDOW_SECONDS;
  const perIp: Record<Exclude<RoutePolicyName, 'exempt'>, Limit> = {
    browse: limit('browse', config.RATE_BROWSE_PER_IP, config.RATE_BROWSE_WINDOW_SECONDS),
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

import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import type {
  SignInCheckRequest,
  SignInCheckResponse,
  SignInResultRequest,
} from '@ticketaka/common';
import type { SecurityConfig } from '../config';
import type { Challenges } from './challenge';
import { Limit, takeTogether } from './rate-limits';

/**
 * Sign-in failures, designed after OWASP's Authentication Cheat Sheet: failures are counted
 * per (account, address) pair and per address, and what locks is the pair or the address,
 * with a lock that doubles each time it recurs (progressive). The account itself is never
 * locked: many failures for one account from many addresses make every sign-in to it need
 * a proof-of-work, which a fan solves in a second and which makes a distributed guesser
 * pay per guess. A success clears the pair and the account's count.
 */
export function createSignInGuard(deps: {
  redis: Redis;
  prefix: string;
  config: SecurityConfig;
  challenges: Challenges;
}) {
  const { redis, prefix, config } = deps;
  const window = config.SIGNIN_FAILURE_WINDOW_SECONDS;
  const pairFailures = new Limit(
    redis,
    prefix,
    'signin-fail-pair',
    config.SIGNIN_FAILURES_PER_ACCOUNT_AND_IP,
    window,
  );
  const ipFailures = new Limit(
    redis,
    prefix,
    'signin-fail-ip',
    config.SIGNIN_FAILURES_PER_IP,
    window,
  );
  const accountFailures = new Limit(redis, prefix, 'signin-fail-account', 1_000_000, window);

  // Emails are hashed in keys: Redis holds no personal data.
  const account = (email: string) => createHash('sha256').update(email).digest('base64url');
  const lockKey = (kind: string, key: string) => `${prefix}:signin-lock:${kind}:${key}`;
  const strikesKey = (kind: string, key: string) => `${prefix}:signin-strikes:${kind}:${key}`;

  async function lock(kind: string, key: string) {
    const strikes = await redis.incr(strikesKey(kind, key));
    await redis.expire(strikesKey(kind, key), 24 * 3600);
    const seconds = Math.min(
      config.SIGNIN_LOCK_BASE_SECONDS * 2 ** (strikes - 1),
      config.SIGNIN_LOCK_MAX_SECONDS,
    );
    await redis.set(lockKey(kind, key), '1', 'EX', seconds);
  }

  async function lockedFor(kind: string, key: string): Promise<number> {
    const ttl = await redis.ttl(lockKey(kind, key));
    return ttl > 0 ? ttl : 0;
  }

  return {
    async check(request: SignInCheckRequest): Promise<SignInCheckResponse> {
      const pair = `${account(request.email)}|${request.ip}`;
      const [pairLock, ipLock, accountCount] = await Promise.all([
        lockedFor('pair', pair),
        lockedFor('ip', request.ip),
        accountFailures.used(account(request.email)),
      ]);
      const lockedSeconds = Math.max(pairLock, ipLock);
      if (lockedSeconds > 0) return { verdict: 'locked', retryAfterSeconds: lockedSeconds };
      if (accountCount >= config.SIGNIN_FAILURES_PER_ACCOUNT_BEFORE_CHALLENGE) {
        const outcome = await deps.challenges.redeem(request.altcha);
        if (outcome !== 'accepted') return { verdict: 'challenge' };
      }
      return { verdict: 'allow' };
    },

    async record(result: SignInResultRequest): Promise<void> {
      const pair = `${account(result.email)}|${result.ip}`;
      if (result.succeeded) {
        await Promise.all([
          pairFailures.reset(pair),
          accountFailures.reset(account(result.email)),
          redis.del(lockKey('pair', pair)),
        ]);
        return;
      }
      await takeTogether([
        [pairFailures, pair],
        [ipFailures, result.ip],
        [accountFailures, account(result.email)],
      ]);
      const [pairCount, ipCount] = await Promise.all([
        pairFailures.used(pair),
        ipFailures.used(result.ip),
      ]);
      // The Nth failure locks; the counter restarts so the next lock needs N more.
      if (pairCount >= config.SIGNIN_FAILURES_PER_ACCOUNT_AND_IP) {
        await lock('pair', pair);
        await pairFailures.reset(pair);
      }
      if (ipCount >= config.SIGNIN_FAILURES_PER_IP) {
        await lock('ip', result.ip);
        await ipFailures.reset(result.ip);
      }
    },
  };
}

export type SignInGuard = ReturnType<typeof createSignInGuard>;

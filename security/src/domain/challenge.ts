import { randomBytes } from 'node:crypto';
import { createChallenge, verifySolution } from 'altcha-lib';
import type { Challenge } from 'altcha-lib/types';
import type Redis from 'ioredis';
import { z } from 'zod';

const payloadSchema = z.object({
  algorithm: z.enum(['SHA-1', 'SHA-256', 'SHA-512']),
  challenge: z.string().regex(/^[0-9a-f]{40,128}$/),
  number: z.number().int().nonnegative(),
  salt: z.string().min(1).max(200),
  signature: z.string().regex(/^[0-9a-f]{40,128}$/),
});

export type RedeemOutcome = 'accepted' | 'invalid' | 'replayed';

export interface ChallengeOptions {
  redis: Redis;
  keyPrefix: string;
  hmacKey?: string;
  maxNumber: number;
  expiresSeconds: number;
}

/**
 * Self-hosted proof-of-work (ALTCHA): the client spends CPU finding a number, the server
 * checks it with one hash. A solution is accepted once: redeeming marks its challenge as
 * used in Redis (SET NX) until the challenge's own expiry, so a replay on any replica fails.
 */
export function createChallenges(options: ChallengeOptions) {
  const hmacKey = options.hmacKey ?? randomBytes(32).toString('hex');
  return {
    issue: (): Promise<Challenge> =>
      createChallenge({
        hmacKey,
        algorithm: 'SHA-256',
        maxnumber: options.maxNumber,
        expires: new Date(Date.now() + options.expiresSeconds * 1000),
      }),

    /** `header` is the X-Altcha value: base64 of the payload JSON. */
    async redeem(header: string | undefined): Promise<RedeemOutcome> {
      if (!header) return 'invalid';
      let payload: z.infer<typeof payloadSchema>;
      try {
        payload = payloadSchema.parse(JSON.parse(Buffer.from(header, 'base64').toString('utf8')));
      } catch {
        return 'invalid';
      }
      if (!(await verifySolution(payload, hmacKey, true))) return 'invalid';
      const first = await options.redis.set(
        `${options.keyPrefix}:altcha-used:${payload.challenge}`,
        '1',
        'EX',
        options.expiresSeconds + 60,
        'NX',
      );
      return first === 'OK' ? 'accepted' : 'replayed';
    },
  };
}

export type Challenges = ReturnType<typeof createChallenges>;

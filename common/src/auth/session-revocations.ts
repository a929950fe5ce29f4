import type { Redis } from 'ioredis';
import { ServiceUnavailableError } from '../errors/app-error';

/** Why a token whose signature is valid is no longer accepted. */
export type RevocationVerdict = 'valid' | 'session_revoked' | 'token_outdated';

/** Raises the key to the given version, never lowers it: concurrent role changes may land in any order. */
const RAISE_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) >= current then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return current`;

/**
 * What makes a signed access token stop working before it expires, kept in Redis where
 * every service looks on every authenticated request (one MGET):
 * - a revoked session (`sid` claim): sign-out, or a refresh token replayed;
 * - a user's minimum token version (`ver` claim): raised when their role changes, so a
 *   token carrying the old role is refused at once and the client refreshes.
 * Redis can only take access away here, never grant it: a role is read from the signed
 * token, so a write to Redis cannot make anyone an admin. Entries live as long as the
 * longest access token they could concern, then expire by themselves.
 * Auth writes; everyone reads.
 */
export class SessionRevocations {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private revokedKey = (sessionId: string) => `${this.prefix}:auth:revoked-session:${sessionId}`;
  private versionKey = (userId: string) => `${this.prefix}:auth:min-token-version:${userId}`;

  async check(token: {
    sessionId: string;
    userId: string;
    version: number;
  }): Promise<RevocationVerdict> {
    let values: (string | null)[];
    try {
      values = await this.redis.mget(
        this.revokedKey(token.sessionId),
        this.versionKey(token.userId),
      );
    } catch (error) {
      throw unavailable(error);
    }
    if (values[0] !== null) return 'session_revoked';
    if (values[1] !== null && Number(values[1]) > token.version) return 'token_outdated';
    return 'valid';
  }

  /** Every access token of these sessions is refused from now on. */
  async revokeSessions(sessionIds: string[], ttlSeconds: number): Promise<void> {
    if (sessionIds.length === 0) return;
    const batch = this.redis.multi();
    for (const id of sessionIds) batch.set(this.revokedKey(id), '1', 'EX', ttlSeconds);
    try {
      const results = await batch.exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error('transaction aborted');
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** Tokens of this user issued before `version` are refused from now on. */
  async raiseMinimumVersion(userId: string, version: number, ttlSeconds: number): Promise<void> {
    try {
      await this.redis.eval(RAISE_SCRIPT, 1, this.versionKey(userId), version, ttlSeconds);
    } catch (error) {
      throw unavailable(error);
    }
  }
}

const unavailable = (cause: unknown) =>
  Object.assign(
    new ServiceUnavailableError(
      'Sessions cannot be checked right now; please try again',
      'session_store_unavailable',
    ),
    { cause },
  );

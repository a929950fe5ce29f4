import { inTransaction, NotAuthenticatedError, type CurrentUser } from '@ticketaka/common';
import {
  findPresentedRefreshToken,
  insertRefreshToken,
  revokeSessions,
  rotateSession,
} from '../data-access/session.repository';
import type { IssuedSession, SessionDeps } from './open-session.use-case';
import { hashRefreshToken, newRefreshToken, REFRESH_TOKEN_PATTERN } from './refresh-token';
import { revocationTtlSeconds } from './session-lifetimes';

/**
 * Renews a session: the presented refresh token is exchanged for a new one and a fresh
 * access token (with the role as it is now). Each refresh token works once. Presenting one
 * that was already replaced means two parties hold it, one of them a thief: the whole
 * family is revoked, at once for every service. The only exception is the token replaced
 * within the last few seconds (two tabs refreshing together), which gets an access token
 * and no new refresh token.
 */
export async function refreshSession(
  deps: SessionDeps,
  presented: string | undefined,
): Promise<IssuedSession> {
  if (!presented || !REFRESH_TOKEN_PATTERN.test(presented))
    throw new NotAuthenticatedError('Sign in first', 'refresh_token_missing');
  const { config, pool, revocations } = deps.runtime;

  const outcome = await inTransaction(
    pool,
    async (client): Promise<IssuedSession | 'refresh_reused'> => {
      const found = await findPresentedRefreshToken(
        client,
        hashRefreshToken(presented),
        config.REFRESH_REUSE_GRACE_SECONDS,
      );
      if (!found) throw new NotAuthenticatedError('Sign in again', 'refresh_token_invalid');
      if (found.revoked)
        throw new NotAuthenticatedError('This session has ended; sign in again', 'session_revoked');
      if (found.expired)
        throw new NotAuthenticatedError(
          'This session has expired; sign in again',
          'session_expired',
        );

      const { user } = found;
      const current: CurrentUser = {
        id: user.id,
        email: user.email,
        displayName: user.displayName,
        country: user.country,
        role: user.role,
      };
      const access = () =>
        deps.tokens.issue(current, { sessionId: found.sessionId, version: user.version });

      if (found.tokenGeneration === found.sessionGeneration) {
        const generation = await rotateSession(client, found.sessionId);
        const refresh = newRefreshToken();
        await insertRefreshToken(client, {
          hash: hashRefreshToken(refresh),
          sessionId: found.sessionId,
          generation,
        });
        return {
          user: current,
          access: access(),
          refresh: { token: refresh, expiresAt: found.expiresAt },
        };
      }
      if (found.tokenGeneration === found.sessionGeneration - 1 && found.withinGrace)
        return { user: current, access: access() };

      // Revoked in Redis first: if that fails, nothing is committed and the replay can be retried.
      await revocations.revokeSessions([found.sessionId], revocationTtlSeconds(config));
      await revokeSessions(client, [found.sessionId], 'refresh_reused');
      return 'refresh_reused';
    },
  );
  if (outcome === 'refresh_reused') {
    deps.runtime.logger.warn(
      { code: 'refresh_reused' },
      'a replaced refresh token was presented; session revoked',
    );
    throw new NotAuthenticatedError(
      'This sign-in was used from somewhere else, so it was ended; sign in again',
      'refresh_token_reused',
    );
  }
  return outcome;
}

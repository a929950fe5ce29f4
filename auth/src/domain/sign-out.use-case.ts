import type { ServiceRuntime } from '@ticketaka/common';
import type { AuthConfig } from '../config';
import { findSessionIdByRefreshHash, revokeSessions } from '../data-access/session.repository';
import { hashRefreshToken, REFRESH_TOKEN_PATTERN } from './refresh-token';
import { revocationTtlSeconds } from './session-lifetimes';

/**
 * Ends the session named by the refresh token and/or the access token, whichever the
 * client still has (an expired access token still names its session). Redis first, so
 * every service refuses the access token from now on; then the refresh family, so it can
 * never be renewed. Signing out twice, or with nothing, changes nothing.
 */
export async function signOut(
  runtime: ServiceRuntime<AuthConfig>,
  presented: { refreshToken?: string; accessToken?: string },
): Promise<void> {
  const sessionIds = new Set<string>();
  if (presented.accessToken) {
    const id = runtime.verifier.sessionIdOf(presented.accessToken);
    if (id) sessionIds.add(id);
  }
  if (presented.refreshToken && REFRESH_TOKEN_PATTERN.test(presented.refreshToken)) {
    const id = await findSessionIdByRefreshHash(
      runtime.pool,
      hashRefreshToken(presented.refreshToken),
    );
    if (id) sessionIds.add(id);
  }
  if (sessionIds.size === 0) return;
  const ids = [...sessionIds];
  await runtime.revocations.revokeSessions(ids, revocationTtlSeconds(runtime.config));
  await revokeSessions(runtime.pool, ids, 'signed_out');
}

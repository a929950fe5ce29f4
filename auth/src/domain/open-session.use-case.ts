import { randomUUID } from 'node:crypto';
import {
  inTransaction,
  NotFoundError,
  type CurrentUser,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { AuthConfig } from '../config';
import { findUserById } from '../data-access/user.repository';
import {
  deleteEndedSessions,
  insertRefreshToken,
  insertSession,
} from '../data-access/session.repository';
import { hashRefreshToken, newRefreshToken } from './refresh-token';
import type { TokenIssuer } from './token-issuer';

export interface SessionDeps {
  runtime: ServiceRuntime<AuthConfig>;
  tokens: TokenIssuer;
}

export interface IssuedSession {
  user: CurrentUser;
  access: { token: string; expiresInSeconds: number };
  /** Absent when a refresh inside the grace period renewed only the access token. */
  refresh?: { token: string; expiresAt: Date };
}

/**
 * Starts a session for a user whose credentials were just checked (sign-in, sign-up):
 * a new refresh-token family, and an access token carrying the role and version read in
 * the same transaction, so a role change that commits later finds this token outdated.
 */
export async function openSession(deps: SessionDeps, userId: string): Promise<IssuedSession> {
  const { config } = deps.runtime;
  return inTransaction(deps.runtime.pool, async (client) => {
    const user = await findUserById(client, userId);
    if (!user) throw new NotFoundError('No such account', 'user_not_found');
    await deleteEndedSessions(client, user.id);
    const sessionId = randomUUID();
    const expiresAt = await insertSession(client, {
      id: sessionId,
      userId: user.id,
      lifetimeSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
    });
    const refresh = newRefreshToken();
    await insertRefreshToken(client, { hash: hashRefreshToken(refresh), sessionId, generation: 1 });
    const current: CurrentUser = {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      country: user.country,
      role: user.role,
    };
    return {
      user: current,
      access: deps.tokens.issue(current, { sessionId, version: user.version }),
      refresh: { token: refresh, expiresAt },
    };
  });
}

import {
  appendToOutbox,
  authEvents,
  inTransaction,
  NotFoundError,
  type Pool,
  type Role,
  type SessionRevocations,
} from '@ticketaka/common';
import { findUserByEmail, setRole } from '../data-access/user.repository';

export interface ChangeRoleDeps {
  pool: Pool;
  schema: string;
  revocations: Pick<SessionRevocations, 'raiseMinimumVersion'>;
  /** How long to remember that older tokens are outdated (the longest access token). */
  revocationTtlSeconds: number;
}

/**
 * Gives an existing account a role. Only reachable from the command line of a machine that
 * holds the database credentials: there is no HTTP route to become admin.
 * After the commit, the user's tokens issued before it are refused by every service (their
 * role is the old one); the client refreshes and gets the new role. Run again after a
 * Redis failure, it re-applies that step even though the role is already set.
 */
export async function changeRole(
  deps: ChangeRoleDeps,
  email: string,
  role: Role,
): Promise<'changed' | 'unchanged'> {
  const outcome = await inTransaction(deps.pool, async (client) => {
    const user = await findUserByEmail(client, email);
    if (!user)
      throw new NotFoundError(`No account with email ${email}; sign up first`, 'user_not_found');
    const updated = await setRole(client, user.id, role);
    if (!updated) return { user, changed: false };
    await appendToOutbox(client, deps.schema, [
      authEvents.userRoleChanged.create({
        id: updated.id,
        role: updated.role,
        version: updated.version,
      }),
    ]);
    return { user: updated, changed: true };
  });
  await deps.revocations.raiseMinimumVersion(
    outcome.user.id,
    outcome.user.version,
    deps.revocationTtlSeconds,
  );
  return outcome.changed ? 'changed' : 'unchanged';
}

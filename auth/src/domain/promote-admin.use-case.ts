import {
  appendToOutbox,
  authEvents,
  inTransaction,
  NotFoundError,
  type Pool,
} from '@ticketaka/common';
import { findUserByEmail, setRole } from '../data-access/user.repository';

/**
 * Gives an existing account the admin role. Only reachable from the command line of a
 * machine that holds the database credentials: there is no HTTP route to become admin.
 */
export async function promoteToAdmin(
  pool: Pool,
  schema: string,
  email: string,
): Promise<'promoted' | 'already admin'> {
  return inTransaction(pool, async (client) => {
    const user = await findUserByEmail(client, email);
    if (!user)
      throw new NotFoundError(`No account with email ${email}; sign up first`, 'user_not_found');
    const updated = await setRole(client, user.id, 'admin');
    if (!updated) return 'already admin';
    await appendToOutbox(client, schema, [
      authEvents.userRoleChanged.create({
        id: updated.id,
        role: updated.role,
        version: updated.version,
      }),
    ]);
    return 'promoted';
  });
}

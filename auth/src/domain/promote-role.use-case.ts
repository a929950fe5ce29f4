import {
  appendToOutbox,
  authEvents,
  inTransaction,
  NotFoundError,
  type Pool,
  type Role,
} from '@ticketaka/common';
import { findUserByEmail, setRole } from '../data-access/user.repository';

/** Roles that are only ever given by an operator: admins, and gate stewards (check-in). */
export type PromotedRole = Exclude<Role, 'fan'>;

/**
 * Gives an existing account the admin or steward role. Only reachable from the command line
 * of a machine that holds the database credentials: there is no HTTP route to either role.
 */
export async function promoteTo(
  pool: Pool,
  schema: string,
  email: string,
  role: PromotedRole,
): Promise<'promoted' | `already ${PromotedRole}`> {
  return inTransaction(pool, async (client) => {
    const user = await findUserByEmail(client, email);
    if (!user)
      throw new NotFoundError(`No account with email ${email}; sign up first`, 'user_not_found');
    const updated = await setRole(client, user.id, role);
    if (!updated) return `already ${role}` as const;
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

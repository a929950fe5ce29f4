import { randomUUID } from 'node:crypto';
import {
  appendToOutbox,
  ConflictError,
  inTransaction,
  isPgError,
  PgErrorCode,
  authEvents,
  type CurrentUser,
  type ServiceRuntime,
} from '@ticketaka/common';
import { insertUser } from '../data-access/user.repository';
import { hashPassword } from './password-hasher';
import type { SignUpInput } from './user.schemas';

/**
 * Creates a fan and announces `auth.user.created` in the same transaction. `ip` is the
 * client address as the gateway determined it (the Argon2 gate's fairness key).
 */
export async function signUp(
  runtime: ServiceRuntime,
  input: SignUpInput,
  ip: string,
): Promise<CurrentUser> {
  const passwordHash = await hashPassword(input.password, ip);
  try {
    return await inTransaction(runtime.pool, async (client) => {
      const user = await insertUser(client, {
        id: randomUUID(),
        email: input.email,
        passwordHash,
        displayName: input.displayName,
        country: input.country,
        role: 'fan',
      });
      await appendToOutbox(client, runtime.schema, [
        authEvents.userCreated.create({
          id: user.id,
          email: user.email,
          displayName: user.displayName,
          country: user.country,
          role: user.role,
          version: user.version,
        }),
      ]);
      return {
        id: user.id,
        email: user.email,
        displayName: user.displayName,
        country: user.country,
        role: user.role,
      };
    });
  } catch (error) {
    if (isPgError(error, PgErrorCode.uniqueViolation)) {
      throw new ConflictError('An account with this email already exists', 'email_taken', [
        { message: 'An account with this email already exists', field: 'email' },
      ]);
    }
    throw error;
  }
}

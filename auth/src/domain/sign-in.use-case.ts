import { NotAuthenticatedError, type CurrentUser, type ServiceRuntime } from '@ticketaka/common';
import { findUserByEmail } from '../data-access/user.repository';
import { decoyHash, verifyPassword } from './password-hasher';
import type { SignInInput } from './user.schemas';

/** One answer for a wrong password and an unknown email, so neither reveals the other. */
export async function signIn(runtime: ServiceRuntime, input: SignInInput): Promise<CurrentUser> {
  const user = await findUserByEmail(runtime.pool, input.email);
  const valid = await verifyPassword(user?.passwordHash ?? (await decoyHash()), input.password);
  if (!user || !valid)
    throw new NotAuthenticatedError('Invalid email or password', 'invalid_credentials');
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    country: user.country,
    role: user.role,
  };
}

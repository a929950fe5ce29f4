import {
  ChallengeRequiredError,
  NotAuthenticatedError,
  ServiceUnavailableError,
  TooManyRequestsError,
  type CurrentUser,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { AuthConfig } from '../config';
import type { SignInGuardClient } from '../data-access/sign-in-guard.client';
import { findUserByEmail } from '../data-access/user.repository';
import { decoyHash, verifyPassword } from './password-hasher';
import type { SignInInput } from './user.schemas';

export interface SignInContext {
  /** The client address as the gateway determined it. */
  ip: string;
  /** The client's proof-of-work solution (X-Altcha), if any. */
  altcha?: string;
}

/**
 * Asks the security service first (is this account locked for this address? is a
 * proof-of-work due?), so a locked guess costs no Argon2 work; then verifies, and tells
 * security the outcome. One answer for a wrong password and an unknown email, so neither
 * reveals the other.
 */
export async function signIn(
  runtime: ServiceRuntime<AuthConfig>,
  guard: SignInGuardClient,
  input: SignInInput,
  context: SignInContext,
): Promise<CurrentUser> {
  const email = input.email.trim().toLowerCase();
  const decision = await guard.check({ email, ip: context.ip, altcha: context.altcha });
  if (decision === 'unavailable' && runtime.config.SIGN_IN_GUARD_FAIL === 'closed')
    throw new ServiceUnavailableError(
      'Sign-in is briefly unavailable, try again shortly',
      'unavailable',
      5,
    );
  if (decision !== 'unavailable') {
    if (decision.verdict === 'locked')
      throw new TooManyRequestsError(
        'Too many failed sign-ins, try again later',
        'rate_limited',
        decision.retryAfterSeconds,
      );
    if (decision.verdict === 'challenge') throw new ChallengeRequiredError();
  }

  const user = await findUserByEmail(runtime.pool, input.email);
  const valid = await verifyPassword(
    user?.passwordHash ?? (await decoyHash()),
    input.password,
    context.ip,
  );
  await guard.record({ email, ip: context.ip, succeeded: Boolean(user && valid) });
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

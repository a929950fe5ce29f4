import {
  SIGN_IN_CHECK_SUBJECT,
  SIGN_IN_RESULT_SUBJECT,
  signInCheckResponseSchema,
  signInResultResponseSchema,
  type ServiceRuntime,
  type SignInCheckRequest,
  type SignInCheckResponse,
} from '@ticketaka/common';
import type { AuthConfig } from '../config';

/**
 * Auth's side of the sign-in guard in the security service (NATS request/reply). When
 * security does not answer, SIGN_IN_GUARD_FAIL decides: `open` signs in without the
 * failure counters (the Argon2 cap still bounds the rate), `closed` refuses.
 */
export function signInGuardClient(runtime: ServiceRuntime<AuthConfig>) {
  const timeout = runtime.config.SIGN_IN_GUARD_TIMEOUT_MS;
  return {
    async check(request: SignInCheckRequest): Promise<SignInCheckResponse | 'unavailable'> {
      try {
        return await runtime.bus.request(
          SIGN_IN_CHECK_SUBJECT,
          request,
          signInCheckResponseSchema,
          timeout,
        );
      } catch (error) {
        runtime.logger.warn({ err: error }, 'sign-in guard did not answer');
        return 'unavailable';
      }
    },
    async record(result: { email: string; ip: string; succeeded: boolean }): Promise<void> {
      await runtime.bus
        .request(SIGN_IN_RESULT_SUBJECT, result, signInResultResponseSchema, timeout)
        .catch((error) => runtime.logger.warn({ err: error }, 'sign-in result not recorded'));
    },
  };
}

export type SignInGuardClient = ReturnType<typeof signInGuardClient>;

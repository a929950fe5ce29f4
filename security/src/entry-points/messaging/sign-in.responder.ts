import {
  SIGN_IN_CHECK_SUBJECT,
  SIGN_IN_RESULT_SUBJECT,
  signInCheckRequestSchema,
  signInResultRequestSchema,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { SignInGuard } from '../../domain/sign-in-guard';

export function serveSignInGuard(runtime: ServiceRuntime, guard: SignInGuard) {
  runtime.bus.reply(SIGN_IN_CHECK_SUBJECT, signInCheckRequestSchema, (request) =>
    guard.check(request),
  );
  runtime.bus.reply(SIGN_IN_RESULT_SUBJECT, signInResultRequestSchema, async (result) => {
    await guard.record(result);
    return { recorded: true as const };
  });
}

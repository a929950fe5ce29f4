import { Router, type Response } from 'express';
import {
  handle,
  NotAuthenticatedError,
  SECURITY_HEADERS,
  SESSION_COOKIE,
  type CurrentUser,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { AuthConfig } from '../../config';
import type { SignInGuardClient } from '../../data-access/sign-in-guard.client';
import { signIn } from '../../domain/sign-in.use-case';
import { signUp } from '../../domain/sign-up.use-case';
import type { TokenIssuer } from '../../domain/token-issuer';
import { signInSchema, signUpSchema } from '../../domain/user.schemas';

export function usersRouter(
  runtime: ServiceRuntime<AuthConfig>,
  tokens: TokenIssuer,
  guard: SignInGuardClient,
): Router {
  const router = Router();
  const cookieOptions = {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: runtime.config.COOKIE_SECURE,
    path: '/',
  };

  /** The session travels as an HttpOnly cookie for browsers and in the body for API clients. */
  const startSession = (res: Response, user: CurrentUser) => {
    const { token, expiresInSeconds } = tokens.issue(user);
    res.cookie(SESSION_COOKIE, token, { ...cookieOptions, maxAge: expiresInSeconds * 1000 });
    return { user, token, expiresInSeconds };
  };

  router.post(
    '/api/users/signup',
    handle(
      { body: signUpSchema },
      async ({ body, res }) => startSession(res, await signUp(runtime, body)),
      201,
    ),
  );

  router.post(
    '/api/users/signin',
    handle({ body: signInSchema }, async ({ body, req, res }) => {
      const altcha = req.headers[SECURITY_HEADERS.altcha];
      const user = await signIn(runtime, guard, body, {
        // The gateway sets X-Forwarded-For to the client address it determined.
        ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
        altcha: typeof altcha === 'string' ? altcha : undefined,
      });
      return startSession(res, user);
    }),
  );

  router.post(
    '/api/users/signout',
    handle({}, ({ res }) => {
      res.clearCookie(SESSION_COOKIE, cookieOptions);
    }),
  );

  router.get(
    '/api/users/currentuser',
    handle({}, ({ req, res, user }) => {
      if (req.authProblem) {
        // A stale or forged cookie is removed so the browser stops sending it.
        res.clearCookie(SESSION_COOKIE, cookieOptions);
        throw new NotAuthenticatedError(req.authProblem, req.authProblemCode ?? 'token_invalid');
      }
      return { currentUser: user };
    }),
  );

  return router;
}

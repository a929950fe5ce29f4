import { Router, type CookieOptions, type Request, type Response } from 'express';
import {
  handle,
  NotAuthenticatedError,
  readCookie,
  SECURITY_HEADERS,
  SESSION_COOKIE,
  tokenFromRequest,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { AuthConfig } from '../../config';
import type { SignInGuardClient } from '../../data-access/sign-in-guard.client';
import {
  openSession,
  type IssuedSession,
  type SessionDeps,
} from '../../domain/open-session.use-case';
import { refreshSession } from '../../domain/refresh-session.use-case';
import { signIn } from '../../domain/sign-in.use-case';
import { signOut } from '../../domain/sign-out.use-case';
import { signUp } from '../../domain/sign-up.use-case';
import type { TokenIssuer } from '../../domain/token-issuer';
import { signInSchema, signUpSchema } from '../../domain/user.schemas';

/** The refresh token's cookie: sent only to auth's routes, only from our own pages. */
export const REFRESH_COOKIE = 'refresh_token';
const REFRESH_COOKIE_PATH = '/api/users';

export function usersRouter(
  runtime: ServiceRuntime<AuthConfig>,
  tokens: TokenIssuer,
  guard: SignInGuardClient,
): Router {
  const router = Router();
  const deps: SessionDeps = { runtime, tokens };
  const secure = runtime.config.COOKIE_SECURE;
  // Lax: a fan following a link to the site arrives signed in (pages are rendered server-side).
  const accessCookie: CookieOptions = { httpOnly: true, sameSite: 'lax', secure, path: '/' };
  // Strict: only the site's own scripts ever renew a session.
  const refreshCookie: CookieOptions = {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: REFRESH_COOKIE_PATH,
  };

  const clearSession = (res: Response) => {
    res.clearCookie(SESSION_COOKIE, accessCookie);
    res.clearCookie(REFRESH_COOKIE, refreshCookie);
  };

  /**
   * Both tokens travel as HttpOnly cookies for browsers; the access token also in the body
   * for API clients. The refresh token never appears in a body.
   */
  const sendSession = (res: Response, session: IssuedSession) => {
    const { token, expiresInSeconds } = session.access;
    res.cookie(SESSION_COOKIE, token, { ...accessCookie, maxAge: expiresInSeconds * 1000 });
    if (session.refresh) {
      res.cookie(REFRESH_COOKIE, session.refresh.token, {
        ...refreshCookie,
        expires: session.refresh.expiresAt,
      });
    }
    return { user: session.user, token, expiresInSeconds };
  };

  const refreshTokenOf = (req: Request) =>
    readCookie(req.headers.cookie, REFRESH_COOKIE) ?? undefined;

  router.post(
    '/api/users/signup',
    handle(
      { body: signUpSchema },
      async ({ body, req, res }) => {
        const user = await signUp(runtime, body, req.ip ?? req.socket.remoteAddress ?? 'unknown');
        return sendSession(res, await openSession(deps, user.id));
      },
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
      return sendSession(res, await openSession(deps, user.id));
    }),
  );

  router.post(
    '/api/users/refresh',
    handle({}, async ({ req, res }) => {
      try {
        return sendSession(res, await refreshSession(deps, refreshTokenOf(req)));
      } catch (error) {
        // A refused refresh token is useless to the browser: stop it being sent again.
        if (error instanceof NotAuthenticatedError) clearSession(res);
        throw error;
      }
    }),
  );

  router.post(
    '/api/users/signout',
    handle({}, async ({ req, res }) => {
      await signOut(runtime, {
        refreshToken: refreshTokenOf(req),
        accessToken: tokenFromRequest(req.headers).token,
      });
      clearSession(res);
    }),
  );

  router.get(
    '/api/users/currentuser',
    handle({}, ({ req, res, user }) => {
      if (req.authError?.status === 401) {
        // A stale, revoked or forged access token is removed so the browser stops sending it.
        res.clearCookie(SESSION_COOKIE, accessCookie);
        throw req.authError;
      }
      if (req.authError) throw req.authError;
      return { currentUser: user };
    }),
  );

  return router;
}

import type { RequestHandler } from 'express';
import { AppError, ForbiddenError, NotAuthenticatedError } from '../errors/app-error';
import type { Role } from './current-user';
import { SESSION_COOKIE, type TokenVerifier } from './token-verifier';

/**
 * A cookie's decoded value; `null` when it is there but cannot be decoded (malformed),
 * which is reported to the caller instead of thrown.
 */
export function readCookie(header: string | undefined, name: string): string | null | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return undefined;
}

/**
 * The presented token: `Authorization: Bearer` first, else the `session` cookie.
 * `malformed` when a cookie is there but cannot be decoded (a stray cookie, garbage).
 */
export function tokenFromRequest(headers: { authorization?: string; cookie?: string }): {
  token?: string;
  malformed?: true;
} {
  const bearer = headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) return { token: bearer };
  const cookie = readCookie(headers.cookie, SESSION_COOKIE);
  if (cookie === null) return { malformed: true };
  return cookie ? { token: cookie } : {};
}

/**
 * Identifies the caller without rejecting anyone: public routes stay usable with a stale,
 * revoked or malformed cookie (a stray cookie must not lock a fan out of the site), while
 * routes that need a user get the precise reason from `requireAuth`.
 */
export function currentUser(verifier: TokenVerifier): RequestHandler {
  return async (req, _res, next) => {
    req.currentUser = null;
    req.authProblem = null;
    req.authError = null;
    const { token, malformed } = tokenFromRequest(req.headers);
    let problem: AppError | undefined = malformed
      ? new NotAuthenticatedError('The session token is invalid', 'token_invalid')
      : undefined;
    if (token) {
      try {
        req.currentUser = (await verifier.verify(token)).user;
      } catch (error) {
        if (!(error instanceof AppError)) return next(error);
        problem = error;
      }
    }
    if (problem) {
      req.authError = problem;
      req.authProblem = problem.message;
      req.authProblemCode = problem.code;
    }
    next();
  };
}

export const requireAuth: RequestHandler = (req, _res, next) => {
  if (req.currentUser) return next();
  next(req.authError ?? new NotAuthenticatedError());
};

export function requireRole(role: Role): RequestHandler {
  return (req, res, next) =>
    requireAuth(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (req.currentUser?.role !== role)
        return next(new ForbiddenError(`This needs the ${role} role`));
      next();
    });
}

declare module 'express-serve-static-core' {
  interface Request {
    authProblemCode?: string;
    /** Why a presented token was refused (401), or why it could not be checked (503). */
    authError?: AppError | null;
  }
}

import type { RequestHandler } from 'express';
import { ForbiddenError, NotAuthenticatedError } from '../errors/app-error';
import type { Role } from './current-user';
import { SESSION_COOKIE, type TokenVerifier } from './token-verifier';

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name)
      return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function tokenFromRequest(headers: {
  authorization?: string;
  cookie?: string;
}): string | undefined {
  const bearer = headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return bearer ?? readCookie(headers.cookie, SESSION_COOKIE);
}

/**
 * Identifies the caller without rejecting anyone: public routes stay usable with a stale
 * cookie, while routes that need a user get the precise reason from `requireAuth`.
 */
export function currentUser(verifier: TokenVerifier): RequestHandler {
  return (req, _res, next) => {
    req.currentUser = null;
    req.authProblem = null;
    const token = tokenFromRequest(req.headers);
    if (token) {
      try {
        req.currentUser = verifier.verify(token);
      } catch (error) {
        req.authProblem = (error as Error).message;
        req.authProblemCode = (error as NotAuthenticatedError).code;
      }
    }
    next();
  };
}

export const requireAuth: RequestHandler = (req, _res, next) => {
  if (req.currentUser) return next();
  if (req.authProblem)
    return next(new NotAuthenticatedError(req.authProblem, req.authProblemCode ?? 'token_invalid'));
  next(new NotAuthenticatedError());
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
  }
}

import { createPublicKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { NotAuthenticatedError } from '../errors/app-error';
import { currentUserSchema, type CurrentUser } from './current-user';

export const TOKEN_ISSUER = 'ticketaka-auth';
export const TOKEN_AUDIENCE = 'ticketaka';
/** ECDSA P-256: only auth holds the private key; every service verifies with the public one. */
export const TOKEN_ALGORITHM = 'ES256' as const;
export const SESSION_COOKIE = 'session';

const claimsSchema = z.object({
  sub: z.string().uuid(),
  email: z.string(),
  name: z.string(),
  country: z.string(),
  role: currentUserSchema.shape.role,
});

export interface TokenVerifier {
  verify(token: string): CurrentUser;
}

export function createTokenVerifier(publicKeyPem: string): TokenVerifier {
  // Parsed once: parsing the PEM on every request cost about a millisecond of CPU each.
  const publicKey = createPublicKey(publicKeyPem);
  return {
    verify(token) {
      let payload: unknown;
      try {
        // Pinning the algorithm stops "alg: none" and HMAC-with-the-public-key forgeries.
        payload = jwt.verify(token, publicKey, {
          algorithms: [TOKEN_ALGORITHM],
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
        });
      } catch (error) {
        const expired = error instanceof jwt.TokenExpiredError;
        throw new NotAuthenticatedError(
          expired ? 'Your session has expired; sign in again' : 'The session token is invalid',
          expired ? 'token_expired' : 'token_invalid',
        );
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success)
        throw new NotAuthenticatedError('The session token is invalid', 'token_invalid');
      const { sub, email, name, country, role } = claims.data;
      return { id: sub, email, displayName: name, country, role };
    },
  };
}

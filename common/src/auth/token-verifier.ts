import { createPublicKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { NotAuthenticatedError } from '../errors/app-error';
import { currentUserSchema, type CurrentUser } from './current-user';
import type { SessionRevocations } from './session-revocations';

export const TOKEN_ISSUER = 'ticketaka-auth';
export const TOKEN_AUDIENCE = 'ticketaka';
/** ECDSA P-256: only auth holds the private key; every service verifies with the public one. */
export const TOKEN_ALGORITHM = 'ES256' as const;
/** The short-lived access token (a JWT), for every service. */
export const SESSION_COOKIE = 'session';

export const accessTokenClaimsSchema = z.object({
  sub: z.string().uuid(),
  email: z.string(),
  name: z.string(),
  country: z.string(),
  role: currentUserSchema.shape.role,
  /** The session (refresh-token family) the token was issued for: revoked on sign-out. */
  sid: z.string().uuid(),
  /** The user's version when issued: a role change raises the minimum accepted. */
  ver: z.number().int().nonnegative(),
});
export type AccessTokenClaims = z.infer<typeof accessTokenClaimsSchema>;

export interface VerifiedToken {
  user: CurrentUser;
  sessionId: string;
}

export interface TokenVerifier {
  /** Signature, claims, expiry, then revocation (Redis): the one check every service runs. */
  verify(token: string): Promise<VerifiedToken>;
  /**
   * The session a token was issued for, whatever its expiry or revocation, for sign-out;
   * undefined when the signature or claims are not auth's.
   */
  sessionIdOf(token: string): string | undefined;
}

const invalid = () => new NotAuthenticatedError('The session token is invalid', 'token_invalid');

function decode(token: string, publicKey: KeyObject, ignoreExpiration: boolean) {
  let payload: unknown;
  try {
    // Pinning the algorithm stops "alg: none" and HMAC-with-the-public-key forgeries.
    payload = jwt.verify(token, publicKey, {
      algorithms: [TOKEN_ALGORITHM],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      ignoreExpiration,
    });
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError)
      throw new NotAuthenticatedError('Your session has expired; refresh it', 'token_expired');
    throw invalid();
  }
  const claims = accessTokenClaimsSchema.safeParse(payload);
  if (!claims.success) throw invalid();
  const exp = (payload as { exp?: unknown }).exp;
  return { claims: claims.data, expiresAtMs: typeof exp === 'number' ? exp * 1000 : Infinity };
}

/**
 * Tokens whose signature and claims already verified, until they expire. A gate device or a
 * fan's page sends the same token on every request, and the ES256 check was the largest
 * part of the CPU an authenticated request cost; the outcome for the same string can only
 * change with the clock, which is checked on every use. Revocation is never cached.
 */
const VERIFIED_CACHE_SIZE = 10_000;

class VerifiedTokens {
  private readonly entries = new Map<string, { claims: AccessTokenClaims; expiresAtMs: number }>();

  get(token: string, nowMs: number) {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.claims;
  }

  set(token: string, entry: { claims: AccessTokenClaims; expiresAtMs: number }) {
    // Map keeps insertion order: the oldest entry goes first when full.
    if (this.entries.size >= VERIFIED_CACHE_SIZE)
      this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(token, entry);
  }
}

export function createTokenVerifier(
  publicKeyPem: string,
  revocations: Pick<SessionRevocations, 'check'>,
): TokenVerifier {
  // Parsed once: parsing the PEM on every request cost about a millisecond of CPU each.
  const publicKey = createPublicKey(publicKeyPem);
  const verified = new VerifiedTokens();
  return {
    async verify(token) {
      let claims = verified.get(token, Date.now());
      if (!claims) {
        const decoded = decode(token, publicKey, false);
        verified.set(token, decoded);
        claims = decoded.claims;
      }
      const verdict = await revocations.check({
        sessionId: claims.sid,
        userId: claims.sub,
        version: claims.ver,
      });
      if (verdict === 'session_revoked')
        throw new NotAuthenticatedError('This session has ended; sign in again', 'session_revoked');
      if (verdict === 'token_outdated')
        throw new NotAuthenticatedError(
          'Your account changed since this token was issued; refresh it',
          'token_outdated',
        );
      const { sub, email, name, country, role } = claims;
      return { user: { id: sub, email, displayName: name, country, role }, sessionId: claims.sid };
    },
    sessionIdOf(token) {
      try {
        return decode(token, publicKey, true).claims.sid;
      } catch {
        return undefined;
      }
    },
  };
}

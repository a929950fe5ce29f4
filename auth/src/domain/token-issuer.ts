import jwt from 'jsonwebtoken';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, type CurrentUser } from '@ticketaka/common';

export interface TokenIssuer {
  readonly ttlSeconds: number;
  /** A short-lived access token for one session, at the user's current version. */
  issue(
    user: CurrentUser,
    session: { sessionId: string; version: number },
  ): { token: string; expiresInSeconds: number };
}

export function createTokenIssuer(privateKeyPem: string, ttlSeconds: number): TokenIssuer {
  return {
    ttlSeconds,
    issue(user, session) {
      const token = jwt.sign(
        {
          email: user.email,
          name: user.displayName,
          country: user.country,
          role: user.role,
          sid: session.sessionId,
          ver: session.version,
        },
        privateKeyPem,
        {
          algorithm: TOKEN_ALGORITHM,
          subject: user.id,
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          expiresIn: ttlSeconds,
        },
      );
      return { token, expiresInSeconds: ttlSeconds };
    },
  };
}

import jwt from 'jsonwebtoken';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, type CurrentUser } from '@ticketaka/common';

export interface TokenIssuer {
  issue(user: CurrentUser): { token: string; expiresInSeconds: number };
}

export function createTokenIssuer(privateKeyPem: string, ttlSeconds: number): TokenIssuer {
  return {
    issue(user) {
      const token = jwt.sign(
        { email: user.email, name: user.displayName, country: user.country, role: user.role },
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

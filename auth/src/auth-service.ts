import path from 'node:path';
import { defineService, localJwtKeyPair } from '@ticketaka/common';
import { authConfigSchema, type AuthConfig } from './config';
import { signInGuardClient } from './data-access/sign-in-guard.client';
import { limitPasswordWork } from './domain/password-hasher';
import { createTokenIssuer } from './domain/token-issuer';
import { usersRouter } from './entry-points/http/users.routes';

/** The signing key: configured in production, the checkout's local key pair otherwise. */
function privateKey(config: AuthConfig): string {
  if (config.JWT_PRIVATE_KEY) return config.JWT_PRIVATE_KEY.replace(/\\n/g, '\n');
  return localJwtKeyPair(config.JWT_KEYS_DIR).privateKey;
}

export const startAuthService = defineService({
  name: 'auth',
  config: authConfigSchema,
  migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
  setup: async (runtime) => {
    const { config } = runtime;
    limitPasswordWork({
      concurrency: config.AUTH_ARGON2_CONCURRENCY,
      queueLimit: config.AUTH_ARGON2_QUEUE,
      maxWaitMs: config.AUTH_ARGON2_MAX_WAIT_MS,
      perSourceQueue: config.AUTH_ARGON2_QUEUE_PER_ADDRESS,
    });
    const tokens = createTokenIssuer(privateKey(config), config.ACCESS_TOKEN_TTL_SECONDS);
    const guard = signInGuardClient(runtime);
    return { routes: (app) => app.use(usersRouter(runtime, tokens, guard)) };
  },
});

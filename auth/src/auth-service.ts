import path from 'node:path';
import {
  createServiceApp,
  createServiceRuntime,
  listen,
  loadConfig,
  localJwtKeyPair,
} from '@ticketaka/common';
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

/** Composition root: used by main.ts and, in-process on port 0, by the tests. */
export async function startAuthService(
  env: NodeJS.ProcessEnv = process.env,
  options: { startRelay?: boolean } = {},
) {
  const config = loadConfig('auth', authConfigSchema, env);
  const runtime = await createServiceRuntime({
    name: 'auth',
    config,
    migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
    startRelay: options.startRelay,
  });
  limitPasswordWork({
    concurrency: config.AUTH_ARGON2_CONCURRENCY,
    queueLimit: config.AUTH_ARGON2_QUEUE,
    maxWaitMs: config.AUTH_ARGON2_MAX_WAIT_MS,
  });
  const tokens = createTokenIssuer(privateKey(config), config.JWT_TTL_SECONDS);
  const guard = signInGuardClient(runtime);
  const app = createServiceApp(runtime, (a) => a.use(usersRouter(runtime, tokens, guard)));
  const http = await listen(runtime, app, config.PORT);
  return { runtime, url: http.url, logger: runtime.logger, close: () => runtime.close() };
}

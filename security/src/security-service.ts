import path from 'node:path';
import { createServiceApp, createServiceRuntime, listen, loadConfig } from '@ticketaka/common';
import { securityConfigSchema } from './config';
import { createOrderActivityStore } from './data-access/order-activity.store';
import { connectRedis } from './data-access/redis-client';
import { createChallenges } from './domain/challenge';
import { createVerdicts } from './domain/decide-verdict.use-case';
import { createBlocklist } from './domain/manage-blocklist.use-case';
import { createLimits } from './domain/rate-limits';
import { createSignInGuard } from './domain/sign-in-guard';
import { checkRouter } from './entry-points/http/check.routes';
import { securityRouter } from './entry-points/http/security.routes';
import { subscribeOrderActivity } from './entry-points/messaging/order-activity.consumer';
import { serveSignInGuard } from './entry-points/messaging/sign-in.responder';

/** Composition root: used by main.ts and, in-process on port 0, by the tests. */
export async function startSecurityService(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig('security', securityConfigSchema, env);
  const runtime = await createServiceRuntime({
    name: 'security',
    config,
    migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
  });
  try {
    const redis = await connectRedis(config.REDIS_URL, runtime.logger);
    runtime.onClose(async () => void (await redis.quit().catch(() => redis.disconnect())));
    runtime.readiness.redis = async () => void (await redis.ping());
    const prefix = `${config.REDIS_PREFIX}:security`;

    const challenges = createChallenges({
      redis,
      keyPrefix: prefix,
      hmacKey: config.ALTCHA_HMAC_KEY,
      maxNumber: config.ALTCHA_MAX_NUMBER,
      expiresSeconds: config.ALTCHA_EXPIRES_SECONDS,
    });
    const blocklist = createBlocklist(runtime);
    await blocklist.start();
    const orders = createOrderActivityStore(redis, prefix);
    await subscribeOrderActivity(runtime, orders);
    const guard = createSignInGuard({ redis, prefix, config, challenges });
    serveSignInGuard(runtime, guard);
    const verdicts = createVerdicts({
      runtime,
      limits: createLimits(redis, prefix, config),
      blocklist,
      challenges,
      orders,
    });

    const app = createServiceApp(runtime, (a) => a.use(securityRouter({ blocklist, challenges })), {
      hotPath: (a) =>
        a.use(checkRouter({ verdicts, verifier: runtime.verifier, logger: runtime.logger })),
    });
    const http = await listen(runtime, app, config.PORT);
    return {
      runtime,
      url: http.url,
      port: http.port,
      blocklist,
      verdicts,
      challenges,
      orders,
      redis,
      close: () => runtime.close(),
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

export type SecurityService = Awaited<ReturnType<typeof startSecurityService>>;

import path from 'node:path';
import { defineService, localSecret } from '@ticketaka/common';
import { securityConfigSchema } from './config';
import { createOrderActivityStore } from './data-access/order-activity.store';
import { createChallenges } from './domain/challenge';
import { createVerdicts } from './domain/decide-verdict.use-case';
import { createBlocklist } from './domain/manage-blocklist.use-case';
import { createLimits } from './domain/rate-limits';
import { createSignInGuard } from './domain/sign-in-guard';
import { checkHandler } from './entry-points/http/check.handler';
import { ingressRefusals } from './entry-points/http/ingress-refusals';
import { securityRouter } from './entry-points/http/security.routes';
import { subscribeOrderActivity } from './entry-points/messaging/order-activity.consumer';
import { serveSignInGuard } from './entry-points/messaging/sign-in.responder';

export const startSecurityService = defineService({
  name: 'security',
  config: securityConfigSchema,
  migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
  setup: async (runtime) => {
    const { config } = runtime;
    // The runtime's one connection, which the token check's revocation look-ups use too: the
    // commands of concurrent checks share its writes (auto-pipelining, common/src/redis).
    const { redis } = runtime;
    runtime.readiness.redis = async () => void (await redis.ping());
    const prefix = `${config.REDIS_PREFIX}:security`;

    const challenges = createChallenges({
      redis,
      keyPrefix: prefix,
      hmacKey: config.ALTCHA_HMAC_KEY ?? localSecret(config.JWT_KEYS_DIR, 'altcha-hmac-key'),
      maxNumber: config.ALTCHA_MAX_NUMBER,
      expiresSeconds: config.ALTCHA_EXPIRES_SECONDS,
    });
    const blocklist = createBlocklist(runtime);
    await blocklist.start();
    const orders = createOrderActivityStore(redis, prefix);
    await subscribeOrderActivity(runtime, orders);
    serveSignInGuard(runtime, createSignInGuard({ redis, prefix, config, challenges }));
    const verdicts = createVerdicts({
      runtime,
      limits: createLimits(redis, prefix, config),
      blocklist,
      challenges,
      orders,
    });
    return {
      routes: (app) => app.use(securityRouter({ blocklist, challenges })),
      app: {
        hotPath: checkHandler({
          verdicts,
          verifier: runtime.verifier,
          logger: runtime.logger,
          registry: runtime.metrics.registry,
          ingress: ingressRefusals(redis, prefix),
        }),
      },
      expose: { blocklist, verdicts, challenges, orders, redis },
    };
  },
});

export type SecurityService = Awaited<ReturnType<typeof startSecurityService>>;

// Usage: npm run admin:promote -w auth -- someone@example.com
//        npm run steward:promote -w auth -- someone@example.com   (gate check-in)
//        npm run admin:demote -w auth -- someone@example.com
import path from 'node:path';
import {
  connectRedis,
  createPool,
  databaseUrlFor,
  loadConfig,
  migrate,
  redisUrlFor,
  roleSchema,
  SessionRevocations,
} from '@ticketaka/common';
import { authConfigSchema } from '../../config';
import { changeRole } from '../../domain/change-role.use-case';
import { revocationTtlSeconds } from '../../domain/session-lifetimes';

async function main() {
  const role = roleSchema.safeParse(process.argv[2]);
  const email = process.argv[3];
  if (!role.success || !email) {
    console.error(
      'Usage: npm run admin:promote|steward:promote|admin:demote -w auth -- <email of an existing account>',
    );
    process.exit(2);
  }
  const config = loadConfig('auth', authConfigSchema);
  const pool = createPool(
    databaseUrlFor(config.DATABASE_URL, config.CREDENTIALS_DIR, 'auth'),
    'auth',
    {
      max: 2,
    },
  );
  const redis = await connectRedis(redisUrlFor(config.REDIS_URL, config.CREDENTIALS_DIR, 'auth'));
  try {
    await migrate(pool, 'auth', path.join(__dirname, '..', '..', 'data-access', 'migrations'));
    const outcome = await changeRole(
      {
        pool,
        schema: 'auth',
        revocations: new SessionRevocations(redis, config.REDIS_PREFIX),
        revocationTtlSeconds: revocationTtlSeconds(config),
      },
      email,
      role.data,
    );
    console.log(`${email}: ${outcome === 'changed' ? `now ${role.data}` : `already ${role.data}`}`);
  } finally {
    redis.disconnect();
    await pool.end();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});

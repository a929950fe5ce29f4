// Usage: npm run admin:promote -w auth -- someone@example.com
//        npm run steward:promote -w auth -- someone@example.com
import path from 'node:path';
import { createPool, loadConfig, migrate } from '@ticketaka/common';
import { authConfigSchema } from '../../config';
import { promoteTo, type PromotedRole } from '../../domain/promote-role.use-case';

const roles: readonly PromotedRole[] = ['admin', 'steward'];

async function main() {
  const [role, email] = process.argv.slice(2) as [PromotedRole | undefined, string | undefined];
  if (!role || !roles.includes(role) || !email) {
    console.error('Usage: npm run admin:promote|steward:promote -w auth -- <email of an existing account>');
    process.exit(2);
  }
  const config = loadConfig('auth', authConfigSchema);
  const pool = createPool(config.DATABASE_URL, 'auth', 2);
  try {
    await migrate(pool, 'auth', path.join(__dirname, '..', '..', 'data-access', 'migrations'));
    const outcome = await promoteTo(pool, 'auth', email, role);
    console.log(`${email}: ${outcome}`);
  } finally {
    await pool.end();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});

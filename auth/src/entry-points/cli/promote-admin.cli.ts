// Usage: npm run admin:promote -w auth -- someone@example.com
import path from 'node:path';
import { createPool, loadConfig, migrate } from '@ticketaka/common';
import { authConfigSchema } from '../../config';
import { promoteToAdmin } from '../../domain/promote-admin.use-case';

async function main() {
  const email = process.argv[2];
  if (!email) {
    console.error('Usage: npm run admin:promote -w auth -- <email of an existing account>');
    process.exit(2);
  }
  const config = loadConfig('auth', authConfigSchema);
  const pool = createPool(config.DATABASE_URL, 'auth', { max: 2 });
  try {
    await migrate(pool, 'auth', path.join(__dirname, '..', '..', 'data-access', 'migrations'));
    const outcome = await promoteToAdmin(pool, 'auth', email);
    console.log(`${email}: ${outcome}`);
  } finally {
    await pool.end();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});

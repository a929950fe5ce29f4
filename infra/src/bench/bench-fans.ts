import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { CurrentUser } from '@ticketaka/common';
import { signAccessToken } from '@ticketaka/common/testing';

/** A fan of their own for every request of a burst: per-fan limits then never refuse one. */
export function benchFan(country: string): CurrentUser {
  const id = randomUUID();
  return {
    id,
    email: `bench-${id.slice(0, 8)}@example.com`,
    displayName: 'Bench',
    country,
    role: 'fan',
  };
}

/** Access tokens for `count` new fans, signed with the platform's own key pair as auth would. */
export const mintFanTokens = (privateKey: string, count: number, country: string): string[] =>
  Array.from({ length: count }, () => signAccessToken(privateKey, benchFan(country)));

/** A connection that reads one service's schema, for the checks a benchmark makes afterwards. */
export async function connectSchema(databaseUrl: string, schema: string): Promise<Client> {
  const client = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  await client.connect();
  return client;
}

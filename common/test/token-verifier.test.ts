import { randomUUID } from 'node:crypto';
import { SessionRevocations } from '../src/auth/session-revocations';
import { createTokenVerifier } from '../src/auth/token-verifier';
import { redisUrlFor } from '../src/credentials/service-credentials';
import { connectRedis, type Redis } from '../src/redis/redis-client';
import { createTestEnvironment, type TestEnvironment } from '../src/testing';

// The verifier remembers tokens whose signature it checked; these show what it must never
// remember: the clock (expiry) and revocations, both re-checked on every use.
let env: TestEnvironment;
let redis: Redis;
let authRedis: Redis;
let revocations: SessionRevocations;
/** Auth's side: only auth's Redis user may write revocations. */
let revoker: SessionRevocations;

beforeAll(async () => {
  env = await createTestEnvironment('token-verifier');
  // As a service would: the revocation keys are read by every service's own Redis user.
  redis = await connectRedis(
    redisUrlFor(env.env.REDIS_URL as string, env.env.CREDENTIALS_DIR as string, 'orders'),
  );
  revocations = new SessionRevocations(redis, env.env.REDIS_PREFIX as string);
  authRedis = await connectRedis(
    redisUrlFor(env.env.REDIS_URL as string, env.env.CREDENTIALS_DIR as string, 'auth'),
  );
  revoker = new SessionRevocations(authRedis, env.env.REDIS_PREFIX as string);
});
afterAll(async () => {
  redis.disconnect();
  authRedis.disconnect();
  await env.cleanup();
});

const fan = () => ({
  id: randomUUID(),
  email: 'fan@example.com',
  displayName: 'Fan',
  country: 'FR',
  role: 'fan' as const,
});

test('when a verified token expires, then the next use is refused although its signature was checked before', async () => {
  const verifier = createTokenVerifier(env.keys.publicKey, revocations);
  const token = env.tokenFor(fan(), { expiresInSeconds: 2 });
  await expect(verifier.verify(token)).resolves.toMatchObject({ user: { role: 'fan' } });
  await expect(verifier.verify(token)).resolves.toMatchObject({ user: { role: 'fan' } });
  await new Promise((r) => setTimeout(r, 2_100));
  await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'token_expired' });
});

test('when a verified token’s session is revoked, then the next use is refused', async () => {
  const verifier = createTokenVerifier(env.keys.publicKey, revocations);
  const sessionId = randomUUID();
  const token = env.tokenFor(fan(), { sessionId });
  await expect(verifier.verify(token)).resolves.toMatchObject({ sessionId });
  await revoker.revokeSessions([sessionId], 60);
  await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'session_revoked' });
});

test('when a token is altered after a good copy was verified, then the altered one is refused', async () => {
  const verifier = createTokenVerifier(env.keys.publicKey, revocations);
  const token = env.tokenFor(fan());
  await verifier.verify(token);
  const [head, body, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
  const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${signature}`;
  await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'token_invalid' });
});

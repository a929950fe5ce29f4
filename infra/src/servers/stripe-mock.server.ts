import { localPort } from '@ticketaka/common/src/config/local-defaults';
import { startDaemon } from '../process/daemon';
import { isPortOpen, waitUntil } from '../process/port';
import { ensureGoBinary } from './go-binary';
import { reused, type RunningServer, type ServerDefinition } from './server';

const MODULE = 'github.com/stripe/stripe-mock@v0.203.0';
/** stripe-mock accepts any key of the right shape; this is the one its own docs use. */
export const STRIPE_MOCK_API_KEY = 'sk_test_123';

async function answers(url: string): Promise<boolean> {
  const response = await fetch(`${url}/v1/customers`, {
    headers: { Authorization: `Bearer ${STRIPE_MOCK_API_KEY}` },
    signal: AbortSignal.timeout(2_000),
  });
  return response.status === 200;
}

export const stripeMockServer: ServerDefinition = {
  name: 'stripe-mock',
  async ensure(callerEnv = process.env): Promise<RunningServer> {
    // Callers may pass only the overrides (ports, TICKETAKA_HOME); go still needs PATH and HOME.
    const env = { ...process.env, ...callerEnv };
    const port = localPort('STRIPE_MOCK_PORT', env);
    const url = `http://127.0.0.1:${port}`;
    if (await isPortOpen(port)) {
      await waitUntil('stripe-mock', () => answers(url), { timeoutMs: 10_000 });
      return reused('stripe-mock', url);
    }
    const binary = await ensureGoBinary({ name: 'stripe-mock', module: MODULE }, env);
    const daemon = await startDaemon(
      {
        name: 'stripe-mock',
        command: binary,
        // HTTP on loopback only, like the other servers. stripe-mock still opens HTTPS on :12112
        // when given just -http-addr, which would clash between two checkouts; parking HTTPS on
        // an OS-chosen loopback port avoids that (-http-port would switch it off but bind 0.0.0.0).
        args: ['-http-addr', `127.0.0.1:${port}`, '-https-addr', '127.0.0.1:0'],
        env,
        ready: async () => (await isPortOpen(port)) && answers(url),
      },
      env,
    );
    return { name: 'stripe-mock', started: true, url, stop: daemon.stop };
  },
};

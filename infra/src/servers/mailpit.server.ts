import fs from 'node:fs';
import path from 'node:path';
import { localPort } from '@ticketaka/common/src/config/local-defaults';
import { dataDir } from '../paths';
import { startDaemon } from '../process/daemon';
import { isPortOpen, waitUntil } from '../process/port';
import { ensureGoBinary } from './go-binary';
import { reused, type RunningServer, type ServerDefinition } from './server';
import { niceFor } from '../process/scheduling';

/** Pinned: tests read its HTTP API (/api/v1/…), which we want to stay as it is. */
const MODULE = 'github.com/axllent/mailpit@v1.33.1';

async function answers(httpUrl: string): Promise<boolean> {
  const response = await fetch(`${httpUrl}/api/v1/info`, { signal: AbortSignal.timeout(2_000) });
  return response.status === 200;
}

/**
 * Mailpit: a real SMTP server that keeps what it receives and shows it in a browser inbox
 * (and to tests through its HTTP API). Local runs and tests only; production relays mail
 * through the SMTP server its Secrets name.
 */
export const mailpitServer: ServerDefinition = {
  name: 'mailpit',
  async ensure(callerEnv = process.env): Promise<RunningServer> {
    const env = { ...process.env, ...callerEnv };
    const smtpPort = localPort('MAILPIT_SMTP_PORT', env);
    const httpPort = localPort('MAILPIT_HTTP_PORT', env);
    const url = `http://127.0.0.1:${httpPort}`;
    if (await isPortOpen(httpPort)) {
      await waitUntil('mailpit', () => answers(url), { timeoutMs: 10_000 });
      return reused('mailpit', url);
    }
    const binary = await ensureGoBinary({ name: 'mailpit', module: MODULE }, env);
    const dir = dataDir('mailpit', env);
    fs.mkdirSync(dir, { recursive: true });
    const daemon = await startDaemon(
      {
        name: 'mailpit',
        command: binary,
        nice: niceFor('background', env),
        args: [
          '--smtp',
          `127.0.0.1:${smtpPort}`,
          '--listen',
          `127.0.0.1:${httpPort}`,
          '--database',
          path.join(dir, 'mailpit.db'),
          // Any credentials are accepted over plain SMTP, so SMTP_USER/PASSWORD can be tried locally.
          '--smtp-auth-accept-any',
          '--smtp-auth-allow-insecure',
          // Keeps the local inbox bounded during long test runs.
          '--max',
          '5000',
        ],
        env,
        ready: async () => (await isPortOpen(smtpPort)) && answers(url),
      },
      env,
    );
    return { name: 'mailpit', started: true, url, pid: daemon.pid, stop: daemon.stop };
  },
};

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { localAdminDatabaseUrl } from '@ticketaka/common/src/config/local-defaults';
import { dataDir } from '../src/paths';
import { startPrivateServers } from '../src/testing/private-servers';
import {
  NOBODY,
  programsReachableByNobody,
  reachableByNobody,
  SYSTEM_DATA_ROOT,
  unprivilegedDataDir,
} from '../src/servers/unprivileged-access';

/**
 * A clone in root's 0700 home, or in a `mktemp -d` folder: PostgreSQL runs as nobody there,
 * and nobody cannot enter the folder. These run as root, as a fresh machine's user would.
 */
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

asRoot('a checkout inside a folder only root may enter (0700)', () => {
  const made: string[] = [];
  afterAll(() => {
    for (const folder of made) fs.rmSync(folder, { recursive: true, force: true });
  });

  test('when the platform home is in a 0700 folder, then PostgreSQL still starts (its data where nobody can reach) and answers', async () => {
    const servers = await startPrivateServers({
      label: 'private-home',
      portOffset: 650,
      homeMode: 0o700,
    });
    try {
      expect(fs.statSync(servers.home).mode & 0o777).toBe(0o700);
      expect(reachableByNobody(servers.home)).toBe(false);
      const data = unprivilegedDataDir('postgres', servers.env);
      made.push(path.dirname(data));
      expect(data.startsWith(`${SYSTEM_DATA_ROOT}/`)).toBe(true);
      expect(data).not.toBe(dataDir('postgres', servers.env));
      expect(fs.existsSync(path.join(data, 'data', 'PG_VERSION'))).toBe(true);
      const client = new Client({
        connectionString: localAdminDatabaseUrl(servers.env, 'postgres'),
      });
      await client.connect();
      const { rows } = await client.query('SELECT current_setting($1) AS fsync', ['fsync']);
      await client.end();
      // A throw-away test cluster: the only place fsync may be off.
      expect(rows[0].fsync).toBe('off');
    } finally {
      await servers.stopAll();
    }
  }, 120_000);

  test('when programs sit inside a 0700 folder, then nobody runs a copy of them made once outside it', () => {
    const checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-private-checkout-'));
    made.push(checkout);
    const install = path.join(checkout, 'node_modules', 'server');
    fs.mkdirSync(path.join(install, 'bin'), { recursive: true });
    fs.writeFileSync(
      path.join(install, 'bin', 'hello'),
      '#!/bin/sh\necho "hello from $(id -u)"\n',
      {
        mode: 0o755,
      },
    );
    const original = path.join(install, 'bin');
    expect(reachableByNobody(original, 'read')).toBe(false);

    const usable = programsReachableByNobody(original, install);
    made.push(path.dirname(usable));
    expect(usable).not.toBe(original);
    expect(programsReachableByNobody(original, install)).toBe(usable);
    const output = execFileSync(path.join(usable, 'hello'), { uid: NOBODY.uid, gid: NOBODY.gid });
    expect(output.toString().trim()).toBe(`hello from ${NOBODY.uid}`);
  });
});

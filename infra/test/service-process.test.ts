import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderNginxConfig } from '../src/gateway/nginx-config';
import { buildIsStale, runBuild } from '../src/launcher/build-step';
import { serviceEnv } from '../src/launcher/platform';
import { launchCommand, serviceDefinitions } from '../src/services';
import { renderServiceYaml } from '../src/kubernetes/service-manifests';

const client = serviceDefinitions.find((s) => s.name === 'client')!;

describe('a service that declares how it is built and run (the Next.js client)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-build-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const build = { command: ['true'], output: 'app/out/BUILD_ID', inputs: ['app/src'] };
  const touch = (file: string, when: Date) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), file);
    fs.utimesSync(path.join(root, file), when, when);
  };

  test('when the build output is missing, older than a source, or newer than every source, then it is stale, stale and fresh', () => {
    touch('app/src/page.tsx', new Date('2026-01-01T10:00:00Z'));
    expect(buildIsStale(build, root)).toBe(true);
    touch('app/out/BUILD_ID', new Date('2026-01-01T11:00:00Z'));
    expect(buildIsStale(build, root)).toBe(false);
    touch('app/src/deep/er/component.tsx', new Date('2026-01-01T12:00:00Z'));
    expect(buildIsStale(build, root)).toBe(true);
  });

  test('when a build fails, then the error names the command and carries its last output lines; each line is passed on as progress', async () => {
    const lines: string[] = [];
    await expect(
      runBuild(
        { ...build, command: ['sh', '-c', 'echo compiling; echo broken >&2; exit 3'] },
        process.env,
        (l) => lines.push(l),
      ),
    ).rejects.toThrow(/exit 3[\s\S]*broken/);
    expect(lines).toEqual(['compiling', 'broken']);
  });

  test('when the client is launched, then it runs its own command under this Node.js, in production mode, with the URL of every service it calls', () => {
    expect(launchCommand(client)).toEqual({
      command: process.execPath,
      args: ['client/.next/standalone/client/server.js'],
    });
    const env = serviceEnv(client, {
      NODE_ENV: 'development',
      TICKETS_PORT: '4302',
      CLIENT_PORT: '3300',
    });
    expect(env).toMatchObject({
      NODE_ENV: 'production',
      HOSTNAME: '127.0.0.1',
      PORT: '3300',
      TICKETS_URL: 'http://127.0.0.1:4302',
      AUTH_URL: 'http://127.0.0.1:4001',
    });
    const tickets = serviceDefinitions.find((s) => s.name === 'tickets')!;
    expect(launchCommand(tickets).args.at(-1)).toMatch(/tickets\/src\/main\.ts$/);
    expect(serviceEnv(tickets, {})).not.toHaveProperty('AUTH_URL');
  });

  test('when the manifest is rendered, then the client finds each service it calls by its cluster name', () => {
    const yaml = renderServiceYaml(client);
    expect(yaml).toContain('name: TICKETS_URL');
    expect(yaml).toContain('value: http://tickets:4002');
  });

  test('when the client owns /, then the gateway sends pages to it and unknown API paths still get a JSON 404', () => {
    const conf = renderNginxConfig({
      listenPort: 8080,
      upstreams: { client: '127.0.0.1:3000', tickets: '127.0.0.1:4002' },
    });
    expect(conf).toMatch(/location \/ \{\n\s+proxy_pass http:\/\/client;/);
    expect(conf).toMatch(/location \/api\/ \{ default_type application\/json; return 404/);
    expect(conf.match(/location \/ /g)).toHaveLength(1);
  });
});

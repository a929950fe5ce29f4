import { execFileSync, spawnSync } from 'node:child_process';

interface Prerequisite {
  command: string;
  aptPackage: string;
  neededFor: string;
}

export const platformPrerequisites: Prerequisite[] = [
  { command: 'nats-server', aptPackage: 'nats-server', neededFor: 'events (NATS JetStream)' },
  { command: 'redis-server', aptPackage: 'redis-server', neededFor: 'order expiration jobs' },
  { command: 'nginx', aptPackage: 'nginx', neededFor: 'the gateway' },
];

/** What the test suite needs on top of the platform: the Kafka broker, stripe-mock, Mailpit, a PDF renderer. */
export const testPrerequisites: Prerequisite[] = [
  ...platformPrerequisites,
  { command: 'java', aptPackage: 'openjdk-17-jre-headless', neededFor: 'the Kafka broker' },
  { command: 'mvn', aptPackage: 'maven', neededFor: "fetching the Kafka broker's jars" },
  { command: 'go', aptPackage: 'golang-go', neededFor: 'installing stripe-mock and Mailpit' },
  {
    command: 'pdftoppm',
    aptPackage: 'poppler-utils',
    neededFor: 'printing e-ticket PDFs to read their QR',
  },
];

const has = (command: string) =>
  spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/**
 * Installs missing system packages with apt-get when we are root (a fresh CI machine),
 * otherwise stops with the exact command to run, rather than failing later with ENOENT.
 */
export function ensurePrerequisites(
  list: Prerequisite[],
  log: (line: string) => void = console.error,
): void {
  const missing = list.filter((p) => !has(p.command));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((p) => p.aptPackage))];
  const why = missing.map((p) => `  - ${p.command} (${p.neededFor})`).join('\n');
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Missing programs:\n${why}\nInstall them with:\n  sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`,
    );
  }
  log(`Installing missing packages with apt-get: ${packages.join(', ')} …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env,
  });
  const still = missing.filter((p) => !has(p.command));
  if (still.length > 0)
    throw new Error(`apt-get did not provide: ${still.map((p) => p.command).join(', ')}`);
}

import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
/** The organiser's master list as the tickets service seeds it (read as data). */
export const MASTER_LIST_FILE = path.join(
  repoRoot,
  'tickets',
  'src',
  'data-access',
  'seed',
  'master-list.json',
);
export const SYNTHETIC_LAKE = path.join(repoRoot, '.local', 'analytics', 'synthetic-lake');

/** `--name value` flags of a CLI, nothing fancier. */
export function flag(name: string, fallback?: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

export function runCli(main: () => Promise<void>) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}

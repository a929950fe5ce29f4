import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { dataDir, homeDir } from '../paths';

/** The account PostgreSQL (and nginx's workers) run as when we are root. */
export const NOBODY = { uid: 65534, gid: 65534 };

/** Where data goes when the checkout itself is out of `nobody`'s reach. */
export const SYSTEM_DATA_ROOT = '/var/lib/ticketaka';

export const runningAsRoot = () => process.getuid?.() === 0;

/**
 * Whether `nobody` can walk down to `target` (search permission on every folder on the
 * way) and, for `mode: 'read'`, read it. A checkout under root's 0700 home, or in a
 * `mktemp -d` folder, fails this: PostgreSQL cannot even reach its binaries there.
 */
export function reachableByNobody(target: string, mode: 'enter' | 'read' = 'enter'): boolean {
  const resolved = path.resolve(target);
  const parts = resolved.split(path.sep).filter(Boolean);
  let current: string = path.sep;
  const chain = [current, ...parts.map((part) => (current = path.join(current, part)))];
  for (const folder of chain) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(folder);
    } catch {
      // Not created yet: it will be made by us with mode 0755 (or chowned to nobody).
      return true;
    }
    const bits =
      stat.uid === NOBODY.uid
        ? (stat.mode >> 6) & 7
        : stat.gid === NOBODY.gid
          ? (stat.mode >> 3) & 7
          : stat.mode & 7;
    const needed = folder === resolved && mode === 'read' ? 4 : stat.isDirectory() ? 1 : 4;
    if ((bits & needed) !== needed) return false;
  }
  return true;
}

/**
 * The folder a server that runs as `nobody` writes to: under the checkout's home when
 * `nobody` can reach it, otherwise a folder of this checkout's own under /var/lib/ticketaka
 * (named by a hash of the home path, so two checkouts never share it).
 */
export function unprivilegedDataDir(name: string, env?: NodeJS.ProcessEnv): string {
  const preferred = dataDir(name, env);
  if (!runningAsRoot() || reachableByNobody(path.dirname(preferred))) return preferred;
  const id = createHash('sha256').update(homeDir(env)).digest('hex').slice(0, 12);
  return path.join(SYSTEM_DATA_ROOT, id, name);
}

/** Makes `folder` (and the system root above it, when used) exist and belong to nobody. */
export function prepareUnprivilegedDir(folder: string): void {
  fs.mkdirSync(folder, { recursive: true, mode: 0o755 });
  if (!runningAsRoot()) return;
  if (folder.startsWith(SYSTEM_DATA_ROOT + path.sep)) fs.chmodSync(SYSTEM_DATA_ROOT, 0o755);
  fs.chownSync(folder, NOBODY.uid, NOBODY.gid);
}

/**
 * A copy of a folder of programs that `nobody` can execute, when the original (inside a
 * private checkout) is out of its reach. Copied once per source version (its path's hash).
 */
export function programsReachableByNobody(bin: string, installRoot: string): string {
  if (!runningAsRoot() || reachableByNobody(bin, 'read')) return bin;
  const id = createHash('sha256').update(fs.realpathSync(installRoot)).digest('hex').slice(0, 12);
  const copy = path.join(SYSTEM_DATA_ROOT, 'programs', id);
  const copiedBin = path.join(copy, path.relative(installRoot, bin));
  if (!fs.existsSync(path.join(copy, '.complete'))) {
    fs.rmSync(copy, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(copy), { recursive: true, mode: 0o755 });
    fs.chmodSync(SYSTEM_DATA_ROOT, 0o755);
    fs.chmodSync(path.dirname(copy), 0o755);
    fs.cpSync(installRoot, copy, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(copy, 0o755);
    fs.writeFileSync(path.join(copy, '.complete'), installRoot);
  }
  return copiedBin;
}

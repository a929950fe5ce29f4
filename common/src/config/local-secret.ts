import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Local runs only: a secret made on first use and kept in the installation's keys folder
 * (mode 0600), like the JWT key pair, so no secret is ever a constant in the repository.
 * Created atomically (written aside, then hard-linked into place), so processes starting
 * together all read the same complete value.
 */
export function localSecret(
  dir: string,
  fileName: string,
  make: () => string = () => randomBytes(32).toString('hex'),
): string {
  const file = path.join(dir, fileName);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(draft, make(), { mode: 0o600 });
    try {
      fs.linkSync(draft, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.unlinkSync(draft);
    }
  }
  return fs.readFileSync(file, 'utf8').trim();
}

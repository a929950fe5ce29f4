// Runs before `npm start` / `npm test` (plain JavaScript: nothing is installed yet on a fresh
// clone). Installs the Node dependencies when they are missing or the lock file has changed
// since they were installed.
const { execSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');
// The lock file's digest at the last install. Content, not modification times: a checkout or
// a merge touches the lock file without changing it, and a needless `npm ci` deletes
// node_modules under whatever is running (e.g. the test run that spawned `npm start`).
const stamp = path.join(root, 'node_modules', '.ticketaka-lock-digest');

const digest = () => crypto.createHash('sha256').update(fs.readFileSync(lock)).digest('hex');

function stale() {
  if (!fs.existsSync(installed)) return true;
  if (fs.existsSync(stamp)) return fs.readFileSync(stamp, 'utf8').trim() !== digest();
  // Installed by a plain `npm ci` (CI, images): trust it if it is newer than the lock file.
  return fs.statSync(installed).mtimeMs < fs.statSync(lock).mtimeMs;
}

if (stale()) {
  // `npm ci`: exactly the committed lock file (which holds every platform's optional binaries),
  // so a fresh clone installs what CI and the images install and its working tree stays clean.
  // After changing a dependency in a package.json, run `npm install` once to update the lock.
  console.log('Installing Node dependencies (npm ci) …');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
fs.writeFileSync(stamp, `${digest()}\n`);

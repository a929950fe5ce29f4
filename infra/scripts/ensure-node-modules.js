// Runs before `npm start` / `npm test` (plain JavaScript: nothing is installed yet on a fresh
// clone). Installs the Node dependencies when they are missing or older than the lock file.
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');

const stale =
  !fs.existsSync(installed) || fs.statSync(installed).mtimeMs < fs.statSync(lock).mtimeMs;
if (stale) {
  // `npm ci`: exactly the committed lock file (which holds every platform's optional binaries),
  // so a fresh clone installs what CI and the images install and its working tree stays clean.
  // After changing a dependency in a package.json, run `npm install` once to update the lock.
  console.log('Installing Node dependencies (npm ci) …');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}

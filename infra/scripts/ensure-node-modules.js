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
  // `npm install`, not `npm ci`: the lock file records only this platform's optional
  // binaries (swc, esbuild), which `npm ci` treats as out of sync.
  console.log('Installing Node dependencies (npm install) …');
  execSync('npm install --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}

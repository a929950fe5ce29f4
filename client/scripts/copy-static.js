// After `next build` (output: 'standalone'): the traced server in .next/standalone/client/
// serves the build's static files and public/ only when they sit beside it, as the image's
// runtime stage also lays them out. The local launcher runs that same server.
const fs = require('node:fs');
const path = require('node:path');

const app = path.join(__dirname, '..');
const server = path.join(app, '.next', 'standalone', 'client');
if (!fs.existsSync(server)) {
  console.error('no standalone build at', server);
  process.exit(1);
}
fs.cpSync(path.join(app, '.next', 'static'), path.join(server, '.next', 'static'), {
  recursive: true,
});
if (fs.existsSync(path.join(app, 'public')))
  fs.cpSync(path.join(app, 'public'), path.join(server, 'public'), { recursive: true });
// Our server (server/server.js: Next.js's handler plus the shared anonymous page) replaces
// the one next build wrote; both start the same way.
for (const file of ['server.js', 'anonymous-page.js'])
  fs.copyFileSync(path.join(app, 'server', file), path.join(server, file));
// The launcher's "built" marker (service.json process.build.output): written last.
fs.writeFileSync(path.join(server, '.built'), new Date().toISOString());

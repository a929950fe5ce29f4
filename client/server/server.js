// The client's production server: Next.js's own request handler behind one plain Node HTTP
// server, so the anonymous catalogue pages can be sealed and shared (./anonymous-page.js).
// `npm run build` (scripts/copy-static.js) puts this file in place of the server.js that
// `next build` writes into .next/standalone/client/; the launcher and the image run it there.
// Start-up otherwise as Next.js's standalone server: the build's resolved config, PORT,
// HOSTNAME, KEEP_ALIVE_TIMEOUT.
const http = require('node:http');
const path = require('node:path');
const { isCacheableRequest, serveAnonymousPage } = require('./anonymous-page');

process.env.NODE_ENV = 'production';
const dir = __dirname;
process.chdir(dir);
const { config } = require(path.join(dir, '.next', 'required-server-files.json'));
// How Next.js finds its config in a standalone build (as the generated server.js does).
process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);

const port = parseInt(process.env.PORT ?? '', 10) || 3000;
const hostname = process.env.HOSTNAME || '0.0.0.0';
const keepAliveTimeout = parseInt(process.env.KEEP_ALIVE_TIMEOUT ?? '', 10);

async function main() {
  const next = require('next');
  const app = next({ dev: false, dir, hostname, port, conf: config });
  const handle = app.getRequestHandler();
  await app.prepare();
  const server = http.createServer((req, res) => {
    const served = isCacheableRequest(req)
      ? serveAnonymousPage(req, res, handle)
      : handle(req, res);
    served.catch((error) => {
      console.error(`Failed to handle ${req.method} ${req.url}`, error);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  if (Number.isFinite(keepAliveTimeout) && keepAliveTimeout >= 0)
    server.keepAliveTimeout = keepAliveTimeout;
  server.listen(port, hostname, () =>
    console.log(`client listening on http://${hostname}:${port}`),
  );
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

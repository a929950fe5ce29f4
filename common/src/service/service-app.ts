import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import { currentUser } from '../auth/auth-middleware';
import { currentContext } from '../context/request-context';
import { errorHandler, notFoundHandler } from '../http/error-handler';
import { healthRouter } from '../http/health';
import { requestLifecycle } from '../http/request-lifecycle';
import type { ServiceRuntime } from './service-runtime';

/** Bodies beyond this are refused with 413 before any parsing or database work. */
export const JSON_BODY_LIMIT = '100kb';

export interface ServiceAppOptions {
  /**
   * An internal route called for every public request (the gateway's security check),
   * answered by plain node:http before Express sees the request: the gateway logs those
   * requests, and at thousands per second Express's routing, the per-request logger and
   * histogram cost more than the answer (security/README.md has the profile). Returns true
   * when it took the request; it sees no `currentUser` and must not be routed publicly.
   */
  hotPath?: HotPathHandler;
  /**
   * Routes that must read the request body themselves, byte for byte (signed webhooks),
   * mounted before the shared JSON parser consumes it. They see no `currentUser`.
   */
  beforeBodyParsing?: (app: Express) => void;
}

export type HotPathHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The HTTP stack every service shares, in order: request id, security headers, request
 * context, access log and metrics (one step), health endpoints, JSON body parsing, the
 * caller's identity, the service's own routes, then 404 and the one error handler.
 */
export function createServiceApp(
  runtime: ServiceRuntime,
  mountRoutes: (app: Express) => void,
  options: ServiceAppOptions = {},
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.use(requestLifecycle(runtime.logger, runtime.metrics));
  app.use(healthRouter(runtime.metrics, runtime.readiness, runtime.health));
  options.beforeBodyParsing?.(app);
  app.use(express.json({ limit: JSON_BODY_LIMIT }));
  app.use(currentUser(runtime.verifier));
  app.use((req, _res, next) => {
    const context = currentContext();
    if (context && req.currentUser) context.userId = req.currentUser.id;
    next();
  });
  mountRoutes(app);
  app.use(notFoundHandler);
  app.use(errorHandler(runtime.logger));
  return app;
}

export interface HttpServerHandle {
  server: Server;
  port: number;
  url: string;
}

/** Listens, and registers a close step that stops new requests and lets in-flight ones end. */
export async function listen(
  runtime: ServiceRuntime,
  app: Express,
  port: number,
  hotPath?: HotPathHandler,
): Promise<HttpServerHandle> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = createServer(hotPath ? (req, res) => hotPath(req, res) || app(req, res) : app);
    s.once('error', reject);
    s.listen(port, runtime.config.HOST, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
  // Keep-alive longer than the gateway's, so nginx never reuses a socket we are closing.
  server.keepAliveTimeout = 65_000;
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  runtime.onClose(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Long-lived streams (SSE) would hold close() forever; end them after a grace period.
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      }),
  );
  runtime.logger.info({ host: runtime.config.HOST, port: actualPort }, 'listening');
  const host = runtime.config.HOST;
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${actualPort}`;
  return { server, port: actualPort, url };
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import helmet from 'helmet';
import pinoHttp from 'pino-http';
import { currentUser } from '../auth/auth-middleware';
import { currentContext, runWithContext } from '../context/request-context';
import { errorHandler, notFoundHandler } from '../http/error-handler';
import { healthRouter } from '../http/health';
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
 * Headers for a JSON API behind one origin: nosniff, HSTS (browsers honour it over HTTPS
 * only), no framing, no referrer, and a CSP that lets a response load nothing, so a JSON
 * or SVG answer opened directly can never run script.
 */
const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  referrerPolicy: { policy: 'no-referrer' },
});

/**
 * The HTTP stack every service shares, in order: request id and access log, security
 * headers, metrics, health endpoints, JSON body parsing, the caller's identity, the service's own routes,
 * then 404 and the one error handler.
 */
export function createServiceApp(
  runtime: ServiceRuntime,
  mountRoutes: (app: Express) => void,
  options: ServiceAppOptions = {},
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.use(
    pinoHttp({
      logger: runtime.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w-]{1,100}$/.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => /^\/(healthz|readyz|metrics)/.test(req.url ?? '') },
      // A refused request is the client's business (info); only our own failures are errors.
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  // Everything the request causes (logs, RPC requests, events) names its request id.
  app.use((req, _res, next) => runWithContext({ requestId: String(req.id) }, next));
  app.use(securityHeaders);
  app.use(runtime.metrics.httpMiddleware);
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

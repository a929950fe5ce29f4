import { Router } from 'express';
import type { Metrics } from './metrics';

export type ReadinessCheck = () => Promise<void>;

export interface HealthState {
  /** Flipped on SIGTERM so the load balancer stops sending traffic before we close. */
  shuttingDown: boolean;
}

export function healthRouter(
  metrics: Metrics,
  checks: Record<string, ReadinessCheck>,
  state: HealthState,
) {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results: Record<string, string> = {};
    let ready = !state.shuttingDown;
    await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2000);
          results[name] = 'ok';
        } catch (error) {
          ready = false;
          results[name] = (error as Error).message;
        }
      }),
    );
    if (state.shuttingDown) results.shutdown = 'in progress';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: results });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}

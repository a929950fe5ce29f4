import { Router } from 'express';
import { handle, requireRole, type ServiceRuntime } from '@ticketaka/common';
import { z } from 'zod';
import type { KafkaBridgeConfig, Topics } from '../../config';
import { partnerSyncStatus } from '../../domain/partner-sync-status.use-case';

const statusQuerySchema = z.strictObject({
  matchNumber: z
    .string()
    .regex(/^\d{1,3}$/, 'The match number is a number from 1 to 999')
    .transform(Number)
    .optional(),
});

/** Partner-sync health for the admin dashboard. */
export function partnerSyncRouter(
  runtime: ServiceRuntime<KafkaBridgeConfig>,
  topics: Topics,
  phase: () => string,
): Router {
  const router = Router();
  router.get(
    '/api/partner-sync/status',
    requireRole('admin'),
    handle({ query: statusQuerySchema }, ({ query }) =>
      partnerSyncStatus(
        { pool: runtime.pool, phase: phase(), clientId: runtime.config.KAFKA_CLIENT_ID, topics },
        query.matchNumber,
      ),
    ),
  );
  return router;
}

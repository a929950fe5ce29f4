import { Router } from 'express';
import { handle, requireRole, type ServiceRuntime } from '@ticketaka/common';
import { inventoryOverview } from '../../domain/read-inventory.use-case';

/** Read-only views for the admin dashboard. */
export function ticketsAdminRouter(runtime: ServiceRuntime): Router {
  const router = Router();
  router.get(
    '/api/tickets/admin/inventory',
    requireRole('admin'),
    handle({}, () => inventoryOverview(runtime.pool)),
  );
  return router;
}

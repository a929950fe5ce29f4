import { Router } from 'express';
import { handle, requireRole, type CurrentUser } from '@ticketaka/common';
import { z } from 'zod';
import { checkInSchema } from '../../domain/check-in.schemas';
import { checkIn, type CheckInDeps } from '../../domain/check-in.use-case';
import { voidTicket } from '../../domain/void-ticket.use-case';

const ticketParams = z.object({ id: z.string().uuid() });

/** Gate stewards scan codes; each ticket is admitted once, refusals say why. Operators void tickets. */
export function checkInRouter(deps: CheckInDeps): Router {
  const router = Router();
  router.post(
    '/api/check-in',
    requireRole('steward'),
    handle({ body: checkInSchema }, async ({ body, user }) =>
      checkIn(deps, user as CurrentUser, body),
    ),
  );
  router.post(
    '/api/tickets/:id/void',
    requireRole('admin'),
    handle({ params: ticketParams }, async ({ params }) => voidTicket(deps, params.id)),
  );
  return router;
}

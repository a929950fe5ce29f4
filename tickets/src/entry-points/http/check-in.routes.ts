import { Router } from 'express';
import { handle, requireRole, type CurrentUser } from '@ticketaka/common';
import { checkInSchema } from '../../domain/check-in.schemas';
import { checkIn, type CheckInDeps } from '../../domain/check-in.use-case';

/** Gate stewards scan codes; each ticket is admitted once, refusals say why. */
export function checkInRouter(deps: CheckInDeps): Router {
  const router = Router();
  router.post(
    '/api/check-in',
    requireRole('steward'),
    handle({ body: checkInSchema }, async ({ body, user }) =>
      checkIn(deps, user as CurrentUser, body),
    ),
  );
  return router;
}

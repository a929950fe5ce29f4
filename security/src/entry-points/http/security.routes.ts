import { Router } from 'express';
import { CHALLENGE_PATH, handle, NotFoundError, requireRole } from '@ticketaka/common';
import type { Blocklist } from '../../domain/manage-blocklist.use-case';
import type { Challenges } from '../../domain/challenge';
import { addBlocklistEntrySchema, entryIdParamsSchema } from '../../domain/blocklist.schemas';

/** Public challenge route and the admin blocklist API. */
export function securityRouter(deps: { blocklist: Blocklist; challenges: Challenges }): Router {
  const router = Router();

  router.get(
    CHALLENGE_PATH,
    handle({}, async ({ res }) => {
      res.setHeader('cache-control', 'no-store');
      return deps.challenges.issue();
    }),
  );

  router.get(
    '/api/security/blocklist',
    requireRole('admin'),
    handle({}, async () => ({ entries: await deps.blocklist.list() })),
  );

  router.post(
    '/api/security/blocklist',
    requireRole('admin'),
    handle(
      { body: addBlocklistEntrySchema },
      async ({ body, user }) =>
        deps.blocklist.add({
          network: body.network,
          reason: body.reason,
          author: user?.email ?? 'unknown',
          expiresAt: body.expiresInSeconds
            ? new Date(Date.now() + body.expiresInSeconds * 1000)
            : null,
        }),
      201,
    ),
  );

  router.delete(
    '/api/security/blocklist/:id',
    requireRole('admin'),
    handle({ params: entryIdParamsSchema }, async ({ params, user }) => {
      if (!(await deps.blocklist.remove(params.id, user?.email ?? 'unknown')))
        throw new NotFoundError('No such blocklist entry', 'blocklist_entry_not_found');
    }),
  );

  return router;
}

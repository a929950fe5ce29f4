import { Router } from 'express';
import { handle, requireAuth, type CurrentUser } from '@ticketaka/common';
import { z } from 'zod';
import { liveCode, printableTicket, type ETicketDeps } from '../../domain/e-ticket.use-case';
import type { CodeKeys } from '@ticketaka/contracts';
import type { TicketCodeKeys } from '../../ticket-code-keys';

const ticketParams = z.object({ id: z.string().uuid() });

/** The fan's live code and printable ticket, and the public keys gate devices verify with. */
export function eTicketsRouter(deps: ETicketDeps & { keys: TicketCodeKeys }): Router {
  const router = Router();
  // requireAuth has run, so the user is there.
  const signedIn = (user: CurrentUser | null) => user as CurrentUser;

  router.get(
    '/api/tickets/code-keys',
    handle({}, async ({ res }): Promise<CodeKeys> => {
      res.setHeader('cache-control', 'public, max-age=300');
      return {
        algorithm: 'Ed25519',
        format: 'TK1.base64url(body[48] || signature[64])',
        stepSeconds: deps.stepSeconds,
        keys: deps.keys.published,
      };
    }),
  );

  router.get(
    '/api/tickets/:id/code',
    requireAuth,
    handle({ params: ticketParams }, async ({ params, user, res }) => {
      res.setHeader('cache-control', 'no-store');
      return liveCode(deps, signedIn(user), params.id);
    }),
  );

  router.get(
    '/api/tickets/:id/qr.svg',
    requireAuth,
    handle({ params: ticketParams }, async ({ params, user, res }) => {
      const { qrSvg } = await liveCode(deps, signedIn(user), params.id);
      res.setHeader('cache-control', 'no-store');
      res.type('image/svg+xml').send(qrSvg);
    }),
  );

  router.get(
    '/api/tickets/:id/ticket.pdf',
    requireAuth,
    handle({ params: ticketParams }, async ({ params, user, res }) => {
      const pdf = await printableTicket(deps, signedIn(user), params.id);
      res.setHeader('cache-control', 'no-store');
      res.setHeader('content-disposition', `attachment; filename="ticket-${params.id}.pdf"`);
      res.type('application/pdf').send(pdf);
    }),
  );

  return router;
}

import QRCode from 'qrcode';
import { ConflictError, NotFoundError, type CurrentUser, type Pool } from '@ticketaka/common';
import { findMatch } from '../data-access/match.repository';
import {
  findTicket,
  findTicketsOfOrder,
  type TicketRecord,
} from '../data-access/ticket.repository';
import type { TicketCodeKeys } from '../ticket-code-keys';
import { renderTicketPdf } from './e-ticket-pdf';
import { signCode, STATIC_STEP, stepAt } from './ticket-code';
import { gateRefusal } from './ticket-status';

export interface ETicketDeps {
  pool: Pool;
  keys: TicketCodeKeys;
  stepSeconds: number;
  now?: () => number;
}

const unusable = {
  already_admitted: 'This ticket has already been used to enter the stadium',
  ticket_void: 'This ticket is void (refunded or the match was cancelled)',
  ticket_in_resale: 'This ticket is listed for resale; withdraw the listing to use it',
} as const;

/** The owner's own usable ticket; anyone else learns nothing about it. */
async function usableTicketOf(db: Pool, user: CurrentUser, ticketId: string) {
  const ticket = await findTicket(db, ticketId);
  if (!ticket || ticket.ownerId !== user.id)
    throw new NotFoundError('You have no such ticket', 'ticket_not_found');
  const refusal = gateRefusal(ticket.status);
  if (refusal) throw new ConflictError(unusable[refusal], refusal);
  return ticket;
}

const claimsOf = (ticket: TicketRecord, step: number) => ({
  ticketId: ticket.id,
  matchNumber: ticket.matchNumber,
  category: ticket.category,
  holderId: ticket.ownerId,
  version: ticket.version,
  step,
});

/** The code the app shows now (SafeTix-style: a new one every step), with its QR as SVG. */
export async function liveCode(deps: ETicketDeps, user: CurrentUser, ticketId: string) {
  const ticket = await usableTicketOf(deps.pool, user, ticketId);
  const nowMs = (deps.now ?? Date.now)();
  const step = stepAt(nowMs, deps.stepSeconds);
  const code = signCode(deps.keys.current, claimsOf(ticket, step));
  const nextStepMs = (step + 1) * deps.stepSeconds * 1000;
  return {
    ticketId: ticket.id,
    code,
    version: ticket.version,
    /** When the app should fetch the next code. */
    refreshAt: new Date(nextStepMs).toISOString(),
    qrSvg: await QRCode.toString(code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
  };
}

async function pdfOf(deps: ETicketDeps, ticket: TicketRecord, holderName: string) {
  const match = await findMatch(deps.pool, ticket.matchNumber);
  if (!match) throw new Error(`ticket ${ticket.id} is for unknown match ${ticket.matchNumber}`);
  return renderTicketPdf({
    ticketId: ticket.id,
    matchNumber: ticket.matchNumber,
    category: ticket.category,
    homeTeam: match.homeTeam,
    awayTeam: match.awayTeam,
    venue: match.venue,
    kickOff: match.kickOff,
    holderName,
    code: signCode(deps.keys.current, claimsOf(ticket, STATIC_STEP)),
  });
}

/** The printable ticket with its static code, which dies when the ticket changes hands. */
export async function printableTicket(deps: ETicketDeps, user: CurrentUser, ticketId: string) {
  const ticket = await usableTicketOf(deps.pool, user, ticketId);
  return pdfOf(deps, ticket, user.displayName);
}

/**
 * The PDFs of an order's tickets still held by its buyer, for the confirmation mail
 * (rpc.tickets.e-tickets). Empty until the completed order has issued its tickets.
 */
export async function eTicketsOfOrder(
  deps: ETicketDeps,
  request: { orderId: string; ticketId: string | null; ownerId: string; holderName: string },
) {
  const candidates = request.ticketId
    ? [await findTicket(deps.pool, request.ticketId)].filter((t) => t !== undefined)
    : await findTicketsOfOrder(deps.pool, request.orderId);
  const tickets = candidates.filter(
    (t) => t.ownerId === request.ownerId && gateRefusal(t.status) === null,
  );
  return {
    tickets: await Promise.all(
      tickets.map(async (t) => ({
        ticketId: t.id,
        matchNumber: t.matchNumber,
        category: t.category,
        pdfBase64: (await pdfOf(deps, t, request.holderName)).toString('base64'),
      })),
    ),
  };
}

import {
  E_TICKETS_SUBJECT,
  eTicketsRequestSchema,
  MATCH_SCHEDULE_SUBJECT,
  matchScheduleRequestSchema,
  type ServiceRuntime,
} from '@ticketaka/common';
import { findMatches } from '../../data-access/match.repository';
import { eTicketsOfOrder, type ETicketDeps } from '../../domain/e-ticket.use-case';

/** Notifications attaches the printable tickets to the confirmation mail. */
export function serveETickets(runtime: ServiceRuntime, deps: ETicketDeps): void {
  runtime.bus.reply(E_TICKETS_SUBJECT, eTicketsRequestSchema, (request) =>
    eTicketsOfOrder(deps, request),
  );
}

/** Notifications matches follows of a team to matches, and reminds fans before kick-off. */
export function serveMatchSchedule(runtime: ServiceRuntime): void {
  runtime.bus.reply(MATCH_SCHEDULE_SUBJECT, matchScheduleRequestSchema, async () => ({
    matches: (await findMatches(runtime.pool, {})).map((m) => ({
      matchNumber: m.matchNumber,
      kickOff: m.kickOff.toISOString(),
      venue: m.venue,
      homeTeam: m.homeTeam,
      awayTeam: m.awayTeam,
    })),
  }));
}

import {
  ticketsEvents,
  type EventOf,
  type PoolClient,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { NotificationsConfig } from '../config';
import { matchFacts } from '../data-access/schedule.repository';
import { templates } from './mail-templates';
import { notify } from './notify';

type Runtime = ServiceRuntime<NotificationsConfig>;
const deps = (runtime: Runtime) => ({
  schema: runtime.schema,
  publicUrl: runtime.config.PUBLIC_URL,
});

/** The seller hears that their listing sold. */
export async function resaleSold(
  tx: PoolClient,
  runtime: Runtime,
  listing: EventOf<typeof ticketsEvents.listingSold>['data'],
) {
  return notify(tx, deps(runtime), {
    userId: listing.sellerId,
    kind: 'resale_sold',
    dedupeKey: `resale_sold:${listing.id}`,
    rendered: templates.resale_sold({
      match: await matchFacts(tx, listing.matchNumber),
      priceCents: listing.priceCents,
      currency: listing.currency,
    }),
  });
}

/** The new holder hears that a ticket was transferred to them (the transfer move of its lifecycle). */
export async function ticketReceived(
  tx: PoolClient,
  runtime: Runtime,
  change: EventOf<typeof ticketsEvents.ticketStatusChanged>['data'],
) {
  if (change.move !== 'transfer') return 'not_a_transfer' as const;
  return notify(tx, deps(runtime), {
    userId: change.ownerId,
    kind: 'ticket_received',
    dedupeKey: `ticket_received:${change.id}:${change.version}`,
    rendered: templates.ticket_received({ match: await matchFacts(tx, change.matchNumber) }),
  });
}

import fs from 'node:fs';
import path from 'node:path';
import { defineService } from '@ticketaka/common';
import { ticketsConfigSchema } from './config';
import { createAdmissions } from './domain/admission-batches';
import { loadMasterList, masterListSchema } from './domain/load-master-list.use-case';
import { AvailabilityFeed } from './entry-points/http/availability-feed';
import { ticketsAdminRouter } from './entry-points/http/admin.routes';
import { availabilityStreamRouter } from './entry-points/http/availability-stream.routes';
import { checkInRouter } from './entry-points/http/check-in.routes';
import { eTicketsRouter } from './entry-points/http/e-tickets.routes';
import { CatalogueCache } from './entry-points/http/catalogue-cache';
import { catalogueLoader, matchesRouter } from './entry-points/http/matches.routes';
import { resaleRouter } from './entry-points/http/resale.routes';
import { serveHoldConfirmations } from './entry-points/messaging/confirm-hold.responder';
import { serveETickets, serveMatchSchedule } from './entry-points/messaging/e-tickets.responder';
import { serveHolds } from './entry-points/messaging/hold.responder';
import { serveMasterListLoads } from './entry-points/messaging/master-list.responder';
import { consumeOrderCompleted } from './entry-points/messaging/order-completed.consumer';
import { consumeOrderEnded } from './entry-points/messaging/order-ended.consumer';
import { servePartnerSales } from './entry-points/messaging/partner-sale.responder';
import { loadTicketCodeKeys } from './ticket-code-keys';
import { SEED_MASTER_LIST } from './data-access/seed/master-list-file';

export { SEED_MASTER_LIST };

interface TicketsStartOptions {
  /** The clock ticket codes are signed and checked against; tests move it. */
  now?: () => number;
}

export const startTicketsService = defineService({
  name: 'tickets',
  config: ticketsConfigSchema,
  migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
  setup: async (runtime, options: TicketsStartOptions) => {
    const { config } = runtime;
    const keys = loadTicketCodeKeys(config);
    if (config.LOAD_MASTER_LIST_ON_START) {
      const seed = masterListSchema.parse(JSON.parse(fs.readFileSync(SEED_MASTER_LIST, 'utf8')));
      const loaded = await loadMasterList(runtime, seed, config.CATALOGUE_CURRENCY);
      runtime.logger.info(loaded, 'master list loaded');
    }

    // A hold request for an ended order can only be seconds late (orders' request timeout).
    runtime.retention.retain({ table: 'ended_orders', column: 'ended_at', keepDays: 7 });

    const feed = new AvailabilityFeed(runtime.bus, runtime.logger);
    feed.start();
    runtime.onClose(async () => feed.stop());
    const catalogue = new CatalogueCache(catalogueLoader(runtime));
    catalogue.follow(feed);
    runtime.onClose(async () => catalogue.stop());

    serveHolds(runtime);
    serveHoldConfirmations(runtime);
    servePartnerSales(runtime);
    const codes = {
      pool: runtime.pool,
      schema: runtime.schema,
      admissions: createAdmissions(runtime.pool, runtime.schema),
      keys,
      stepSeconds: config.TICKET_CODE_STEP_SECONDS,
      now: options.now,
    };
    serveETickets(runtime, codes);
    serveMatchSchedule(runtime);
    serveMasterListLoads(runtime);
    await consumeOrderEnded(runtime);
    await consumeOrderCompleted(runtime);

    const stream = availabilityStreamRouter(runtime, feed);
    return {
      routes: (app) => {
        // The stream is mounted before /api/matches/:matchNumber would claim "stream".
        app.use(stream.router);
        app.use(matchesRouter(runtime, catalogue));
        app.use(resaleRouter(runtime));
        app.use(eTicketsRouter(codes));
        app.use(checkInRouter(codes));
        app.use(ticketsAdminRouter(runtime));
      },
      // Registered after listen, so it runs first on close: the server's close then has no stream to wait for.
      onListening: () => runtime.onClose(async () => stream.endAll()),
      expose: { feed, keys, catalogue },
    };
  },
});

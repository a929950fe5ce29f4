import fs from 'node:fs';
import path from 'node:path';
import { createServiceApp, createServiceRuntime, listen, loadConfig } from '@ticketaka/common';
import { ticketsConfigSchema } from './config';
import { loadMasterList, masterListSchema } from './domain/load-master-list.use-case';
import { AvailabilityFeed } from './entry-points/http/availability-feed';
import { availabilityStreamRouter } from './entry-points/http/availability-stream.routes';
import { checkInRouter } from './entry-points/http/check-in.routes';
import { eTicketsRouter } from './entry-points/http/e-tickets.routes';
import { matchesRouter } from './entry-points/http/matches.routes';
import { resaleRouter } from './entry-points/http/resale.routes';
import { serveHoldConfirmations } from './entry-points/messaging/confirm-hold.responder';
import { serveETickets, serveMatchSchedule } from './entry-points/messaging/e-tickets.responder';
import { serveHolds } from './entry-points/messaging/hold.responder';
import { serveMasterListLoads } from './entry-points/messaging/master-list.responder';
import { consumeOrderCompleted } from './entry-points/messaging/order-completed.consumer';
import { consumeOrderEnded } from './entry-points/messaging/order-ended.consumer';
import { servePartnerSales } from './entry-points/messaging/partner-sale.responder';
import { loadTicketCodeKeys } from './ticket-code-keys';

export const SEED_MASTER_LIST = path.join(__dirname, 'data-access', 'seed', 'master-list.json');

/** Composition root: used by main.ts and, in-process on port 0, by the tests. */
export async function startTicketsService(
  env: NodeJS.ProcessEnv = process.env,
  options: { startRelay?: boolean; now?: () => number } = {},
) {
  const config = loadConfig('tickets', ticketsConfigSchema, env);
  const keys = loadTicketCodeKeys(config);
  const runtime = await createServiceRuntime({
    name: 'tickets',
    config,
    migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
    startRelay: options.startRelay,
  });
  try {
    if (config.LOAD_MASTER_LIST_ON_START) {
      const seed = masterListSchema.parse(JSON.parse(fs.readFileSync(SEED_MASTER_LIST, 'utf8')));
      const loaded = await loadMasterList(runtime, seed, config.CATALOGUE_CURRENCY);
      runtime.logger.info(loaded, 'master list loaded');
    }

    const feed = new AvailabilityFeed(runtime.bus, runtime.logger);
    feed.start();
    runtime.onClose(async () => feed.stop());

    serveHolds(runtime);
    serveHoldConfirmations(runtime);
    servePartnerSales(runtime);
    const codes = {
      pool: runtime.pool,
      schema: runtime.schema,
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
    const app = createServiceApp(runtime, (a) => {
      // The stream is mounted before /api/matches/:matchNumber would claim "stream".
      a.use(stream.router);
      a.use(matchesRouter(runtime));
      a.use(resaleRouter(runtime));
      a.use(eTicketsRouter(codes));
      a.use(checkInRouter(codes));
    });
    const http = await listen(runtime, app, config.PORT);
    // Registered after listen, so it runs first on close: the server's close then has no stream to wait for.
    runtime.onClose(async () => stream.endAll());
    return {
      runtime,
      url: http.url,
      logger: runtime.logger,
      feed,
      keys,
      close: () => runtime.close(),
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

import { Router, type Response } from 'express';
import { handle, type ServiceRuntime } from '@ticketaka/common';
import { z } from 'zod';
import type { TicketsConfig } from '../../config';
import { findAllInventory, findInventoryOfMatches } from '../../data-access/inventory.repository';
import { matchNumberParam } from '../../domain/catalogue.schemas';
import { categoryView } from '../../domain/inventory';
import type { AvailabilityFeed, AvailabilityUpdate } from './availability-feed';

const streamQuerySchema = z.strictObject({ matchNumber: matchNumberParam.optional() });

/** A client that stops reading is dropped rather than buffered without limit. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * GET /api/matches/stream: Server-Sent Events. First a `snapshot` of the current counts,
 * then an `availability` event per change (the inventory event's data, with its version so
 * a client can ignore anything older than what it shows), and a comment line as heartbeat.
 */
export function availabilityStreamRouter(
  runtime: ServiceRuntime<TicketsConfig>,
  feed: AvailabilityFeed,
) {
  const router = Router();
  const open = new Set<Response>();

  router.get(
    '/api/matches/stream',
    handle({ query: streamQuerySchema }, async ({ query, res }) => {
      const wanted = (u: { matchNumber: number }) =>
        query.matchNumber === undefined || u.matchNumber === query.matchNumber;
      // Listen before reading the snapshot, so a change in between is not lost.
      const early: AvailabilityUpdate[] = [];
      let send: (update: AvailabilityUpdate) => void = (u) => early.push(u);
      const unlisten = feed.listen((u) => wanted(u) && send(u));
      let inventory;
      try {
        inventory =
          query.matchNumber === undefined
            ? await findAllInventory(runtime.pool)
            : await findInventoryOfMatches(runtime.pool, [query.matchNumber]);
      } catch (error) {
        unlisten();
        throw error;
      }

      res.status(200).set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        // nginx must not buffer the stream (the gateway also disables it for this route).
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      open.add(res);
      const write = (chunk: string) => {
        res.write(chunk);
        if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
      };
      const event = (name: string, data: unknown) =>
        write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);

      write('retry: 3000\n\n');
      event('snapshot', {
        categories: inventory.map((i) => ({ matchNumber: i.matchNumber, ...categoryView(i) })),
      });
      send = (u) => event('availability', u);
      for (const u of early) send(u);

      const heartbeat = setInterval(
        () => write(': heartbeat\n\n'),
        runtime.config.SSE_HEARTBEAT_MS,
      );
      res.on('close', () => {
        clearInterval(heartbeat);
        unlisten();
        open.delete(res);
      });
    }),
  );

  /** Ends every open stream, so a shutdown does not wait for clients that never hang up. */
  const endAll = () => {
    for (const res of open) res.end();
  };
  return { router, endAll };
}

import { securityEvents, type ServiceRuntime } from '@ticketaka/common';
import type { SecurityConfig } from '../config';
import {
  insertEntry,
  listLiveEntries,
  removeEntry,
  type BlocklistEntry,
} from '../data-access/blocklist.repository';
import { BlocklistMatcher } from './blocklist';

export const BLOCKLIST_CHANGED_SUBJECT = securityEvents.blocklistChanged.type;

/**
 * The blocklist of one replica: PostgreSQL is the truth, memory is what a check reads.
 * A change is written, then broadcast on core NATS (every replica hears it, no queue
 * group), and each replica reloads from PostgreSQL; a periodic reload covers a missed
 * broadcast. Bans apply on every replica within milliseconds of the write.
 */
export function createBlocklist(runtime: ServiceRuntime<SecurityConfig>) {
  const matcher = new BlocklistMatcher();
  const { bus, pool, logger } = runtime;

  const reload = async () => matcher.replace(await listLiveEntries(pool));

  const broadcast = (entryId: string, change: 'added' | 'removed') =>
    bus.nc.publish(
      bus.subject(BLOCKLIST_CHANGED_SUBJECT),
      JSON.stringify(securityEvents.blocklistChanged.create({ entryId, change })),
    );

  return {
    matcher,
    reload,

    async start() {
      await reload();
      const sub = bus.nc.subscribe(bus.subject(BLOCKLIST_CHANGED_SUBJECT), {
        callback: () =>
          void reload().catch((err) => logger.warn({ err }, 'blocklist reload failed')),
      });
      const timer = setInterval(
        () => void reload().catch((err) => logger.warn({ err }, 'blocklist reload failed')),
        runtime.config.BLOCKLIST_REFRESH_SECONDS * 1000,
      );
      timer.unref();
      runtime.onClose(async () => {
        clearInterval(timer);
        sub.unsubscribe();
      });
    },

    async add(entry: {
      network: string;
      reason: string;
      author: string;
      automatic?: boolean;
      expiresAt: Date | null;
    }): Promise<BlocklistEntry> {
      const saved = await insertEntry(pool, { ...entry, automatic: entry.automatic ?? false });
      await reload();
      broadcast(saved.id, 'added');
      logger.info(
        { entryId: saved.id, network: saved.network, author: saved.author },
        'blocklist entry added',
      );
      return saved;
    },

    async remove(id: string, removedBy: string): Promise<boolean> {
      const removed = await removeEntry(pool, id, removedBy);
      if (removed) {
        await reload();
        broadcast(id, 'removed');
        logger.info({ entryId: id, removedBy }, 'blocklist entry removed');
      }
      return removed;
    },

    list: () => listLiveEntries(pool),
  };
}

export type Blocklist = ReturnType<typeof createBlocklist>;

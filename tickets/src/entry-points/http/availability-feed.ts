import { ticketsEvents, type EventBus, type Logger } from '@ticketaka/common';
import type { z } from 'zod';

type Subscription = ReturnType<EventBus['nc']['subscribe']>;
export type AvailabilityUpdate = z.infer<typeof ticketsEvents.inventoryChanged.data>;

/**
 * Every `tickets.inventory.changed` this replica hears, fanned out to its open streams.
 * A plain NATS subscription (no queue group, no durable consumer): every replica receives
 * every change, whichever replica or partner caused it, so any replica can serve a stream.
 * Updates older than one already passed on are dropped (the relays of several replicas may
 * publish out of order).
 */
export class AvailabilityFeed {
  private readonly listeners = new Set<(update: AvailabilityUpdate) => void>();
  private readonly latestVersion = new Map<string, number>();
  private subscription?: Subscription;

  constructor(
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.subscription = this.bus.nc.subscribe(
      this.bus.subject(ticketsEvents.inventoryChanged.type),
      {
        callback: (error, msg) => {
          if (error) return this.logger.error({ err: error }, 'availability subscription failed');
          const parsed = ticketsEvents.inventoryChanged.envelope.safeParse(safeJson(msg.string()));
          if (!parsed.success)
            return this.logger.warn(
              { subject: msg.subject },
              'ignoring a malformed inventory event',
            );
          this.publish(parsed.data.data);
        },
      },
    );
  }

  private publish(update: AvailabilityUpdate) {
    const key = `${update.matchNumber}:${update.category}`;
    if ((this.latestVersion.get(key) ?? -1) >= update.version) return;
    this.latestVersion.set(key, update.version);
    for (const listener of this.listeners) listener(update);
  }

  /** Registers a listener; returns the function that removes it. */
  listen(listener: (update: AvailabilityUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.listeners.clear();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

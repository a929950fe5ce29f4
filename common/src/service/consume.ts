import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { EventBus } from '../bus/event-bus';
import type { EventDefinition, EventOf } from '../events/define-event';
import type { Pool } from '../db/pool';
import { applyOnce } from '../inbox/apply-once';

export interface ConsumeOptions {
  /** Deliveries of a deterministically failing message before it is dead-lettered. */
  maxDeliver?: number;
  /** Redelivery delays for failures that count; the last one repeats. */
  backoffMs?: number[];
}

export interface InboxConsumeOptions<D extends EventDefinition, R> extends ConsumeOptions {
  inbox?: true;
  /**
   * Runs after the transaction committed, only when the effect was applied (not for a
   * duplicate): wake a worker, log the outcome. A failure here is logged, never retried.
   */
  afterCommit?: (event: EventOf<D>, result: R) => void | Promise<void>;
}

export interface OwnIdempotencyConsumeOptions extends ConsumeOptions {
  /**
   * The handler de-duplicates by itself (it records the event id with its own effect,
   * e.g. outside the database), so no inbox transaction is opened around it.
   */
  inbox: false;
}

/**
 * How every service consumes an event: one durable consumer per (service, event type), the
 * inbox applied by default with the service name as its key, so the handler's effect and
 * the record of the event id commit together and a redelivery changes nothing.
 */
export interface Consume {
  <D extends EventDefinition, R = void>(
    events: D | readonly D[],
    handler: (event: EventOf<D>, tx: PoolClient) => Promise<R>,
    options?: InboxConsumeOptions<D, R>,
  ): Promise<void>;
  <D extends EventDefinition>(
    events: D | readonly D[],
    handler: (event: EventOf<D>) => Promise<void>,
    options: OwnIdempotencyConsumeOptions,
  ): Promise<void>;
}

export function createConsume(deps: {
  service: string;
  pool: Pool;
  bus: EventBus;
  logger: Logger;
}): Consume {
  const consumed = new Set<string>();
  return (async (
    events: EventDefinition | readonly EventDefinition[],
    handler: (event: never, tx?: PoolClient) => Promise<unknown>,
    options: InboxConsumeOptions<EventDefinition, unknown> | OwnIdempotencyConsumeOptions = {},
  ) => {
    const list = (Array.isArray(events) ? events : [events]) as EventDefinition[];
    for (const definition of list) {
      // One durable per (service, type): a second handler would silently share its messages.
      if (consumed.has(definition.type))
        throw new Error(`${deps.service} already consumes ${definition.type}`);
      consumed.add(definition.type);
    }
    for (const definition of list) {
      await deps.bus.subscribe({
        consumer: deps.service,
        event: definition,
        maxDeliver: options.maxDeliver,
        backoffMs: options.backoffMs,
        handler: async (event) => {
          if (options.inbox === false) {
            await handler(event as never);
            return;
          }
          let result: unknown;
          const outcome = await applyOnce(deps.pool, deps.service, event.id, async (tx) => {
            result = await handler(event as never, tx);
          });
          if (outcome === 'applied' && options.afterCommit) {
            try {
              await options.afterCommit(event as never, result);
            } catch (error) {
              deps.logger.error(
                { err: error, eventId: event.id, type: event.type },
                'after-commit step of a consumer failed',
              );
            }
          }
        },
      });
    }
  }) as Consume;
}

import { ticketsEvents } from '@ticketaka/common';
import type { BridgeContext } from '../../bridge-context';
import { publishOwnChange, type PublishDeps } from '../../domain/publish-own-change.use-case';
import type { SaleAction } from '../../domain/wire-format';

type HoldEvent =
  | typeof ticketsEvents.holdPlaced
  | typeof ticketsEvents.holdSold
  | typeof ticketsEvents.holdReleased;

/**
 * Our holds, sales and releases (from tickets' outbox, through JetStream) become partner
 * messages. A failure (Kafka down, our PENDING not back from the log yet) naks the event and
 * JetStream redelivers it; it is never dead-lettered, since partners must hear every change.
 */
export async function consumeHoldChanges(
  context: BridgeContext,
  stopping: () => boolean,
): Promise<void> {
  const { runtime, topics } = context;
  const deps: PublishDeps = {
    pool: runtime.pool,
    producer: context.producer,
    topicEnds: (topic) => context.admin.ends(topic),
    topic: topics.ticketSales,
    clientId: runtime.config.KAFKA_CLIENT_ID,
    signingKey: context.keys.signing,
    partitionCount: () => context.layout.ticketSalesPartitions,
    metrics: context.metrics,
    stopping,
  };
  // No inbox transaction: the effect is a Kafka produce, de-duplicated by publishOwnChange.
  const subscribe = (event: HoldEvent, action: SaleAction) =>
    runtime.consume(
      event,
      async ({ id, data }) => {
        const outcome = await publishOwnChange(deps, {
          eventId: id,
          orderId: data.orderId,
          action,
          matchNumber: data.matchNumber,
          category: data.category,
          quantity: data.quantity,
        });
        runtime.logger.debug(
          { orderId: data.orderId, action, outcome },
          'our hold change told to partners',
        );
      },
      { inbox: false, maxDeliver: 1_000_000, backoffMs: [100, 250, 500, 1_000, 2_000, 5_000] },
    );
  await subscribe(ticketsEvents.holdPlaced, 'TICKET_PENDING');
  await subscribe(ticketsEvents.holdSold, 'TICKET_RESERVED');
  await subscribe(ticketsEvents.holdReleased, 'TICKET_CANCELLED');
}

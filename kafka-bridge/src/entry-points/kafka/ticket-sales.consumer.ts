import { groupIdOf, type BridgeContext } from '../../bridge-context';
import { recordTicketSale } from '../../domain/record-ticket-sale.use-case';
import { sendToDeadLetter } from '../../kafka/dead-letter';
import { TopicConsumer, untilDone } from '../../kafka/topic-consumer';

/** Partners' (and our own) pending / reserved / cancelled messages, through the ledger. */
export function ticketSalesConsumer(context: BridgeContext): TopicConsumer {
  const { runtime, topics, metrics } = context;
  const logger = runtime.logger.child({ consumer: 'ticket-sales' });
  const deps = {
    pool: runtime.pool,
    clientId: runtime.config.KAFKA_CLIENT_ID,
    partitionCount: () => context.layout.ticketSalesPartitions,
  };
  return new TopicConsumer({
    kafka: context.kafka,
    groupId: groupIdOf(context, topics.ticketSales),
    topic: topics.ticketSales,
    logger,
    onJoin: async () => {
      context.layout.ticketSalesPartitions = await context.admin.partitionCount(topics.ticketSales);
    },
    handle: async (record, ctx) => {
      const entry = await untilDone(
        () => recordTicketSale(deps, record),
        ctx,
        logger,
        'recording a ticket sale',
      );
      if (entry.deadLetter && !entry.deadLetteredAt) {
        logger.warn(
          {
            source: entry.messageKey,
            platform: entry.platform,
            code: entry.reasonCode,
            reason: entry.reason,
          },
          'partner message refused; dead-lettered',
        );
        await untilDone(
          () =>
            sendToDeadLetter(
              context.deadLetter,
              entry,
              entry.reasonCode ?? 'refused',
              entry.reason ?? '',
            ),
          ctx,
          logger,
          'dead-lettering',
        );
      }
      metrics.consumed.inc({ topic: 'ticket_sales', outcome: entry.outcome });
      void context.sync.kick();
    },
  });
}

import { groupIdOf, type BridgeContext } from '../../bridge-context';
import { holdTtlMs, ticketakaClientIds } from '../../config';
import {
  readFarEnough,
  recordTicketSale,
  recordUnstorable,
  type RecordSaleDeps,
} from '../../domain/record-ticket-sale.use-case';
import { sendToDeadLetter } from '../../kafka/dead-letter';
import { PoisonError, TopicConsumer, untilDone } from '../../kafka/topic-consumer';

/** Partners' (and our own) pending / reserved / cancelled messages, through the ledger. */
export function ticketSalesConsumer(context: BridgeContext): TopicConsumer {
  const { runtime, topics, metrics } = context;
  const logger = runtime.logger.child({ consumer: 'ticket-sales' });
  const deps: RecordSaleDeps = {
    pool: runtime.pool,
    clientId: runtime.config.KAFKA_CLIENT_ID,
    ticketakaIds: ticketakaClientIds(runtime.config),
    signingKey: context.keys.signing,
    holdTtlMs: holdTtlMs(runtime.config),
    partitionCount: () => context.layout.ticketSalesPartitions,
    alert: (kind, details) => {
      metrics.alerts.inc({ kind });
      logger.warn({ alert: kind, ...details }, `partner sync alert: ${kind}`);
    },
  };
  return new TopicConsumer({
    kafka: context.kafka,
    groupId: groupIdOf(context, topics.ticketSales),
    topic: topics.ticketSales,
    logger,
    partitionsConcurrently: 32,
    onJoin: async () => {
      context.layout.ticketSalesPartitions = await context.admin.partitionCount(topics.ticketSales);
    },
    handle: async (record, ctx) => {
      // A signed message is decided only once the partitions it saw are read that far here too.
      const ready = await untilDone(
        () => readFarEnough(deps, record),
        ctx,
        logger,
        'checking read positions',
      );
      if (!ready) return 'later';
      let entry;
      try {
        entry = await untilDone(
          () => recordTicketSale(deps, record),
          ctx,
          logger,
          'recording a ticket sale',
        );
      } catch (error) {
        if (!(error instanceof PoisonError)) throw error;
        logger.warn(
          { err: error.causeError, source: `${record.topic}:${record.partition}:${record.offset}` },
          'a partner message cannot be recorded; kept as invalid without its payload',
        );
        entry = await untilDone(
          () => recordUnstorable(runtime.pool, record, error.causeError),
          ctx,
          logger,
          'recording an unstorable message',
        );
      }
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
        ).catch((error) => {
          // The entry keeps the evidence; a letter that can never be produced must not stop us.
          if (!(error instanceof PoisonError)) throw error;
        });
      }
      metrics.consumed.inc({ topic: 'ticket_sales', outcome: entry.outcome });
      void context.sync.kick();
      return undefined;
    },
  });
}

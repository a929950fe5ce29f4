import {
  AppError,
  LOAD_MASTER_LIST_SUBJECT,
  loadMasterListResponseSchema,
} from '@ticketaka/common';
import { groupIdOf, type BridgeContext } from '../../bridge-context';
import { flagDeadLetter } from '../../data-access/ledger.repository';
import { recordMasterListMatch } from '../../domain/record-master-list.use-case';
import { sendToDeadLetter } from '../../kafka/dead-letter';
import { TopicConsumer, untilDone } from '../../kafka/topic-consumer';

/** The organiser's master list: each match starts the ledger's counts and goes to tickets' catalogue. */
export function masterListConsumer(context: BridgeContext): TopicConsumer {
  const { runtime, topics, metrics } = context;
  const logger = runtime.logger.child({ consumer: 'master-list' });
  const trust = { organiserKey: context.keys.organiser };
  return new TopicConsumer({
    kafka: context.kafka,
    groupId: groupIdOf(context, topics.masterList),
    topic: topics.masterList,
    logger,
    handle: async (record, ctx) => {
      const recorded = await untilDone(
        () => recordMasterListMatch(runtime.pool, trust, record),
        ctx,
        logger,
        'recording a master-list match',
      );
      const { match } = recorded;
      let { entry } = recorded;
      if (entry.outcome === 'loaded' && match !== undefined) {
        try {
          // Idempotent in tickets: a redelivered match changes nothing there either.
          await untilDone(
            () =>
              runtime.bus.request(
                LOAD_MASTER_LIST_SUBJECT,
                { matches: [match] },
                loadMasterListResponseSchema,
                10_000,
              ),
            ctx,
            logger,
            'loading a match into tickets',
          );
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          entry = await flagDeadLetter(
            runtime.pool,
            entry,
            'tickets_refused',
            `tickets refused it: ${error.code}: ${error.message}`,
          );
        }
      }
      if (entry.reasonCode === 'not_organiser' && !entry.deadLetteredAt)
        metrics.alerts.inc({ kind: 'not_organiser' });
      if (entry.deadLetter && !entry.deadLetteredAt) {
        logger.warn(
          { source: entry.messageKey, code: entry.reasonCode, reason: entry.reason },
          'master-list message refused; dead-lettered',
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
      metrics.consumed.inc({ topic: 'master_list', outcome: entry.outcome });
    },
  });
}

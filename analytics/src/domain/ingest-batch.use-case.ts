import { inTransaction, type ObservedMessage, type Pool } from '@ticketaka/common';
import { applyDeltas } from '../data-access/aggregates.repository';
import { claimNewEvents, stageEvents } from '../data-access/staging.repository';
import { projectBatch } from './aggregate-projection';
import { toLakeEvent, type LakeEvent } from './lake-event';

export interface IngestTarget {
  pool: Pool;
  /** 'live', or a rebuild's id: which lake the events are staged for. */
  lake: string;
  /** The inbox key; a rebuild has its own, so it sees every event again. */
  inboxKey: string;
  /** Only the live lake keeps the aggregate store current. */
  projectAggregates: boolean;
}

/**
 * One transaction per batch: the inbox drops what was already ingested (duplicates,
 * redeliveries, replays), the rest is staged for the lake and, for the live lake, folded
 * into the aggregate store. Commit, then ack: a crash in between redelivers the batch,
 * and the inbox makes that harmless.
 */
export async function ingestBatch(
  target: IngestTarget,
  messages: ObservedMessage[],
): Promise<LakeEvent[]> {
  const events = messages.map(toLakeEvent);
  return inTransaction(target.pool, async (client) => {
    const fresh = await claimNewEvents(
      client,
      target.inboxKey,
      events.map((e) => e.eventId),
    );
    const accepted = events.filter((e) => fresh.delete(e.eventId));
    await stageEvents(client, target.lake, accepted);
    if (target.projectAggregates) await applyDeltas(client, projectBatch(accepted));
    return accepted;
  });
}

import { GroupCommit, type Pool } from '@ticketaka/common';
import type { CheckInRow, TicketRecord } from '../data-access/ticket.repository';
import { applyCheckIns } from './move-ticket';

/** What a scan is written with: the admitted ticket, or undefined when its guard no longer held. */
export type Admissions = GroupCommit<CheckInRow, TicketRecord | undefined>;

/**
 * Group commit for the gate (common's `GroupCommit`): scans that arrive while earlier ones are
 * being written are written together, in one statement that admits them and appends their
 * events (one round trip per batch; a scan written alone took four: BEGIN, UPDATE, outbox,
 * COMMIT); two batches may be in flight. A ticket is in
 * at most one batch at a time (a second scan of it waits for the first's answer), so
 * batches never lock the same rows in different orders, and the database still decides every
 * admission with the ticket's own guard.
 */
export function createAdmissions(pool: Pool, schema: string): Admissions {
  return new GroupCommit({
    maxBatch: 64,
    maxConcurrent: 2,
    conflictKey: (row) => row.ticketId,
    write: async (rows) => {
      const admitted = await applyCheckIns(pool, schema, rows);
      const byId = new Map(admitted.map((ticket) => [ticket.id, ticket]));
      return rows.map((row) => byId.get(row.ticketId));
    },
  });
}

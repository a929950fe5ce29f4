import { inTransaction, type Pool } from '@ticketaka/common';
import type { CheckInRow, TicketRecord } from '../data-access/ticket.repository';
import { applyCheckIns } from './move-ticket';

interface Waiting {
  row: CheckInRow;
  resolve: (ticket: TicketRecord | undefined) => void;
  reject: (error: unknown) => void;
}

export interface AdmissionBatchOptions {
  /** Scans decided in one transaction at most. */
  maxBatch?: number;
  /** Transactions in flight at once; the rest of the scans wait for the next one. */
  maxConcurrent?: number;
}

/**
 * Group commit for the gate: scans that arrive while earlier ones are being written wait and
 * then go into one transaction together (one guarded UPDATE, one outbox append, one COMMIT),
 * instead of four round trips each. A scan that finds nothing in flight is written at once,
 * so a quiet gate pays no wait. Each ticket is in at most one transaction at a time (a second
 * scan of it waits for the first's answer), so batches never lock the same rows in different
 * orders, and the database still decides every admission with the ticket's own guard.
 */
export class AdmissionBatches {
  private readonly waiting: Waiting[] = [];
  private readonly inFlight = new Set<string>();
  private running = 0;
  private readonly maxBatch: number;
  private readonly maxConcurrent: number;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    options: AdmissionBatchOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 64;
    this.maxConcurrent = options.maxConcurrent ?? 2;
  }

  /** The admitted ticket, or undefined when its guard no longer held (the caller says why). */
  admit(row: CheckInRow): Promise<TicketRecord | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ row, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.running < this.maxConcurrent && this.waiting.length > 0) {
      const batch: Waiting[] = [];
      const taken = new Set<string>();
      for (let i = 0; i < this.waiting.length && batch.length < this.maxBatch;) {
        const scan = this.waiting[i] as Waiting;
        const id = scan.row.ticketId;
        if (this.inFlight.has(id) || taken.has(id)) {
          i += 1;
          continue;
        }
        taken.add(id);
        batch.push(scan);
        this.waiting.splice(i, 1);
      }
      if (batch.length === 0) return;
      for (const id of taken) this.inFlight.add(id);
      this.running += 1;
      void this.write(batch).finally(() => {
        for (const id of taken) this.inFlight.delete(id);
        this.running -= 1;
        this.pump();
      });
    }
  }

  private async write(batch: Waiting[]) {
    try {
      const admitted = await inTransaction(this.pool, (client) =>
        applyCheckIns(
          client,
          this.schema,
          batch.map((w) => w.row),
        ),
      );
      const byId = new Map(admitted.map((t) => [t.id, t]));
      for (const w of batch) w.resolve(byId.get(w.row.ticketId));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}

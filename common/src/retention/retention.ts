import type { Logger } from 'pino';
import type { Pool } from '../db/pool';

/**
 * One table's retention rule: rows whose `column` is older than `keepDays` are deleted.
 * Each window is stated where the rule is registered, and in docs/operations.md.
 */
export interface RetentionRule {
  table: string;
  column: string;
  keepDays: number;
  /** Only rows matching this SQL condition are ever deleted (e.g. `published_at IS NOT NULL`). */
  onlyWhere?: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const BATCH = 5000;

/**
 * Deletes what the platform no longer needs, in small batches so a large backlog never
 * holds long locks or runs into the statement timeout. Runs on every replica; two running
 * at once only share the work.
 */
export class RetentionJob {
  private readonly rules: RetentionRule[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  retain(rule: RetentionRule): void {
    if (!IDENTIFIER.test(rule.table) || !IDENTIFIER.test(rule.column))
      throw new Error(
        `retention rule names an invalid table or column: ${rule.table}.${rule.column}`,
      );
    if (!(rule.keepDays > 0))
      throw new Error(`retention of ${rule.table} must keep rows for some days`);
    this.rules.push(rule);
  }

  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  /** One pass over every rule; returns the rows deleted per table. */
  runOnce(): Promise<Record<string, number>> {
    const pass = (async () => {
      const deleted: Record<string, number> = {};
      for (const rule of this.rules) {
        try {
          deleted[rule.table] = await this.prune(rule);
        } catch (error) {
          // The next pass tries again (PostgreSQL may just be away).
          this.logger.warn({ err: error, table: rule.table }, 'retention pass failed');
        }
      }
      const total = Object.values(deleted).reduce((a, b) => a + b, 0);
      if (total > 0) this.logger.info({ deleted }, 'retention: old rows deleted');
      return deleted;
    })();
    this.running = pass.then(() => undefined);
    return pass;
  }

  private async prune(rule: RetentionRule): Promise<number> {
    const extra = rule.onlyWhere ? ` AND (${rule.onlyWhere})` : '';
    let total = 0;
    for (;;) {
      const { rowCount } = await this.pool.query(
        `DELETE FROM ${rule.table} WHERE ctid IN (
           SELECT ctid FROM ${rule.table}
           WHERE ${rule.column} < now() - make_interval(days => $1)${extra}
           LIMIT ${BATCH})`,
        [rule.keepDays],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < BATCH) return total;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}

/**
 * Windows of the tables every service has. JetStream keeps a stream's messages 30 days, so
 * a message (or a dead letter replayed) can come back that late: the inbox must remember
 * an event id at least that long, and derived events found by id in the outbox likewise.
 */
export const COMMON_RETENTION: RetentionRule[] = [
  { table: 'outbox', column: 'published_at', keepDays: 35, onlyWhere: 'published_at IS NOT NULL' },
  { table: 'processed_events', column: 'processed_at', keepDays: 35 },
];

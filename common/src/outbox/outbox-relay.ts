import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { EventBus } from '../bus/event-bus';
import type { EventEnvelope } from '../events/define-event';
import type { Metrics } from '../http/metrics';
import { outboxChannel } from './outbox';

export interface OutboxRelayOptions {
  pool: Pool;
  schema: string;
  bus: EventBus;
  logger: Logger;
  metrics?: Metrics;
  /** Safety net when a NOTIFY is missed (e.g. the listening connection was lost). */
  pollIntervalMs?: number;
  batchSize?: number;
}

/**
 * Publishes committed outbox rows in order. Rows are claimed with FOR UPDATE SKIP LOCKED,
 * so replicas share the work, and marked published in the same transaction that claimed
 * them: a crash before the mark re-publishes them, which JetStream drops as duplicates
 * (the event id is the message id) and consumers would ignore anyway.
 */
export class OutboxRelay {
  private listener?: PoolClient;
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private again = false;
  private stopped = true;
  private failures = 0;

  constructor(private readonly options: OutboxRelayOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    // One poll timer for the relay's life: a reconnect of the listener must not add another.
    this.timer ??= setInterval(() => this.kick(), this.options.pollIntervalMs ?? 1000);
    await this.listen();
    this.kick();
  }

  private async listen(): Promise<void> {
    const listener = await this.options.pool.connect();
    let lost = false;
    listener.on('notification', () => this.kick());
    listener.on('error', (error) => {
      // A dying connection can report more than one error; it goes back to the pool once.
      if (lost) return;
      lost = true;
      this.options.logger.warn({ err: error }, 'outbox listener lost; polling until it is back');
      if (this.listener === listener) this.listener = undefined;
      listener.release(error);
      this.reconnectListener();
    });
    try {
      await listener.query(`LISTEN ${outboxChannel(this.options.schema)}`);
    } catch (error) {
      if (!lost) {
        lost = true;
        listener.release(error as Error);
      }
      throw error;
    }
    if (lost) return;
    if (this.stopped) {
      listener.release();
      return;
    }
    this.listener = listener;
  }

  private reconnectListener() {
    setTimeout(() => {
      if (this.stopped || this.listener) return;
      this.listen().catch(() => this.reconnectListener());
    }, 1000).unref();
  }

  /** Starts a drain, or asks the running one to go round again so no notification is lost. */
  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drainLoop().finally(() => {
      this.draining = undefined;
    });
  }

  private async drainLoop(): Promise<void> {
    do {
      this.again = false;
      try {
        while (!this.stopped && (await this.publishBatch()) === (this.options.batchSize ?? 100));
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        this.options.logger.warn(
          { err: error, failures: this.failures },
          'outbox relay could not publish; will retry',
        );
        // Back off on repeated failures (NATS down) rather than spinning.
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** this.failures, 5000)));
        this.again = true;
      }
    } while (this.again && !this.stopped);
  }

  /** Publishes one batch; returns how many rows it published. */
  private async publishBatch(): Promise<number> {
    const { pool, bus, metrics } = this.options;
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ seq: string; payload: EventEnvelope }>(
        `SELECT seq, payload FROM outbox WHERE published_at IS NULL
         ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.options.batchSize ?? 100],
      );
      // Sent back to back and acknowledged together: one socket write for the batch instead of
      // a round trip per event (the on-sale profile counts writes). JetStream keeps the send
      // order; a failed event stays unpublished and is sent again (its id de-duplicates it),
      // and any sent after it that JetStream acknowledged are marked, as they are stored.
      const outcomes = await Promise.allSettled(rows.map((row) => bus.publish(row.payload)));
      const published: string[] = [];
      let failure: unknown;
      for (const [i, outcome] of outcomes.entries()) {
        const row = rows[i] as (typeof rows)[number];
        if (outcome.status === 'fulfilled') {
          published.push(row.seq);
          metrics?.eventsPublished.inc({ type: row.payload.type });
        } else if (failure === undefined) {
          failure = outcome.reason;
          await client.query(
            'UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE seq = $1',
            [row.seq, (outcome.reason as Error).message],
          );
        }
      }
      if (published.length > 0) {
        await client.query(
          'UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE seq = ANY($1::bigint[])',
          [published],
        );
      }
      await client.query('COMMIT');
      if (failure) throw failure;
      return published.length;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      // A client whose connection died is destroyed, never handed out again.
      client.release(broken);
    }
  }

  /** Waits for the current drain, so a graceful shutdown publishes what was committed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.draining?.catch(() => undefined);
    const listener = this.listener;
    this.listener = undefined;
    if (listener) {
      await listener.query(`UNLISTEN *`).catch(() => undefined);
      listener.release();
    }
  }
}

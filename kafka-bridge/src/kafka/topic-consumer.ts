import { AppError } from '@ticketaka/common';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { PartnerRecord } from '../domain/record-ticket-sale.use-case';
import { sanitizeHeaders, storableText } from '../domain/raw-message';

export interface HandleContext {
  heartbeat(): Promise<void>;
  stopping(): boolean;
}

export interface TopicConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  logger: Logger;
  /**
   * Handles one record. `'later'` means it cannot be decided yet (it depends on another
   * partition's progress): it is not committed and is fetched again shortly.
   */
  handle: (record: PartnerRecord, context: HandleContext) => Promise<void | 'later'>;
  /** Called after each (re)join of the group, e.g. to refresh the partition count. */
  onJoin?: () => Promise<void> | void;
  /**
   * Partitions handled at once. Each partition is still one message at a time (its order is
   * the ledger's order), but a slow or waiting partition never holds back the others.
   */
  partitionsConcurrently?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BATCH_BUDGET_MS = 1_000;
const WAIT_AGAIN_MS = 50;

/**
 * One consumer group on one topic, read from its first message, one message at a time per
 * partition (the partition's order is the ledger's order), partitions side by side. It keeps trying to connect while
 * the cluster is unreachable and restarts itself after a crash kafkajs would not restart.
 * Offsets are committed by kafkajs after each handled message; a redelivery after a crash is
 * recognised by the ledger (one entry per offset).
 */
export class TopicConsumer {
  private consumer: Consumer | undefined;
  private stopped = false;
  private joined = false;
  private starting: Promise<void> | undefined;
  private wakeUp: () => void = () => undefined;

  constructor(private readonly options: TopicConsumerOptions) {}

  start(): void {
    this.starting ??= this.connectLoop().finally(() => (this.starting = undefined));
  }

  isJoined(): boolean {
    return this.joined && !this.stopped;
  }

  private async connectLoop() {
    const { kafka, groupId, topic, logger } = this.options;
    let delay = 500;
    while (!this.stopped) {
      const consumer = kafka.consumer({
        groupId,
        allowAutoTopicCreation: false,
        // A bridge that died without leaving the group holds its partitions this long; handlers
        // that wait on tickets keep heartbeating (untilDone), so a short session is safe.
        sessionTimeout: 10_000,
        rebalanceTimeout: 20_000,
        heartbeatInterval: 1_000,
        retry: {
          initialRetryTime: 300,
          maxRetryTime: 5_000,
          retries: 10,
          // kafkajs schedules its own restart after a crash; never once we are stopping.
          restartOnFailure: async () => !this.stopped,
        },
      });
      consumer.on(consumer.events.GROUP_JOIN, () => {
        this.joined = true;
        void Promise.resolve(this.options.onJoin?.()).catch((err) =>
          logger.warn({ err }, 'after-join step failed'),
        );
      });
      consumer.on(consumer.events.CRASH, (event) => {
        this.joined = false;
        logger.warn(
          { err: event.payload.error, topic, restart: event.payload.restart },
          'partner consumer crashed',
        );
        if (!event.payload.restart && !this.stopped) {
          void consumer.disconnect().catch(() => undefined);
          if (this.consumer === consumer) this.consumer = undefined;
          setTimeout(() => this.start(), 1_000).unref();
        }
      });
      try {
        this.consumer = consumer;
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        if (this.stopped) throw new StoppingError('stopped while connecting');
        await consumer.run({
          partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 1,
          // kafkajs fetches again only once every partition's batch of the last fetch is done,
          // so a batch gives way after a short budget, or at a record that must wait: the
          // unresolved rest is fetched again, and no partition holds back another for long.
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
            const started = Date.now();
            for (const message of batch.messages) {
              if (!isRunning() || isStale() || this.stopped) return;
              if (Date.now() - started > BATCH_BUDGET_MS) return;
              const outcome = await this.options.handle(
                {
                  topic: batch.topic,
                  partition: batch.partition,
                  offset: message.offset,
                  timestamp: message.timestamp,
                  // Raw bytes: decoding is the use case's job, and may refuse them.
                  key: message.key === null ? null : storableText(message.key),
                  value: message.value,
                  headers: sanitizeHeaders(message.headers),
                },
                { heartbeat, stopping: () => this.stopped },
              );
              if (outcome === 'later') {
                await sleep(WAIT_AGAIN_MS);
                return;
              }
              resolveOffset(message.offset);
              await heartbeat();
            }
          },
        });
        if (this.stopped) throw new StoppingError('stopped while connecting');
        logger.info({ topic, groupId }, 'partner consumer running');
        return;
      } catch (error) {
        if (this.consumer === consumer) this.consumer = undefined;
        await consumer.disconnect().catch(() => undefined);
        if (this.stopped) return;
        logger.warn(
          { err: error, topic, retryInMs: delay },
          'partner consumer could not start; retrying',
        );
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve;
          setTimeout(resolve, delay).unref();
        });
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.joined = false;
    this.wakeUp();
    // Disconnecting ends the run (after the message in hand) or a connect still in progress.
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
    // A connect that kafkajs is still retrying ends on its own; do not hold the shutdown for it.
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, 3_000)));
    await Promise.race([this.starting?.catch(() => undefined), grace]);
    clearTimeout(timer);
  }
}

export class StoppingError extends Error {
  override name = 'StoppingError';
}

/** A failure that would repeat on every attempt with the same message: never retried. */
export class PoisonError extends Error {
  override name = 'PoisonError';
  constructor(readonly causeError: unknown) {
    super(`deterministic failure: ${(causeError as Error)?.message ?? String(causeError)}`);
  }
}

// SQLSTATE 22 (data exception: NUL, encoding, out of range), 23 (integrity), 54 (limits).
const DETERMINISTIC_SQLSTATE = /^(22|23|54)/;
const DETERMINISTIC_KAFKA = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
]);

/** Deterministic: the same input fails the same way again (only connectivity is worth retrying). */
export function isDeterministicFailure(error: unknown): boolean {
  const e = error as { code?: unknown; type?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && DETERMINISTIC_SQLSTATE.test(e.code) && e.code.length === 5)
    return true;
  if (typeof e.type === 'string' && DETERMINISTIC_KAFKA.has(e.type)) return true;
  return e.cause !== undefined && e.cause !== error && isDeterministicFailure(e.cause);
}

/**
 * Retries a step whose failure is temporary (database or NATS unreachable, tickets down),
 * keeping the group membership alive meanwhile, so one message never blocks by crashing the
 * consumer. An AppError below 500 is an answer, not an outage: it is thrown to the caller.
 * A deterministic failure (isDeterministicFailure) is thrown at once as a PoisonError, so the
 * caller records the message as invalid and moves on.
 */
export async function untilDone<T>(
  step: () => Promise<T>,
  context: HandleContext,
  logger: Logger,
  what: string,
): Promise<T> {
  let delay = 200;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await step();
    } catch (error) {
      if (error instanceof AppError && error.status < 500) throw error;
      if (isDeterministicFailure(error)) throw new PoisonError(error);
      if (context.stopping()) throw new StoppingError(`stopping while ${what}`);
      const log = attempt % 10 === 0 ? logger.error.bind(logger) : logger.warn.bind(logger);
      log({ err: error, attempt, retryInMs: delay }, `${what} failed; retrying`);
      await sleep(delay);
      await context.heartbeat().catch(() => undefined);
      delay = Math.min(delay * 2, 5_000);
    }
  }
}

import { nanos } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type ConsumerMessages,
} from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { EventDefinition, EventEnvelope, EventOf } from '../events/define-event';
import { producerOf } from '../events/define-event';
import type { Metrics } from '../http/metrics';
import { AppError, ServiceUnavailableError } from '../errors/app-error';
import { RetryLaterError, type DeadLetter } from './dead-letter';

export interface EventBusOptions {
  servers: string;
  /** Prefix of every subject and stream name ('' in a real deployment). */
  namespace: string;
  /** The connecting service, used for connection names and queue groups. */
  service: string;
  /** Copies of each stream in a JetStream cluster (R3 in production); 1 by default. */
  streamReplicas?: number;
  logger: Logger;
  metrics?: Metrics;
}

export interface SubscribeOptions<D extends EventDefinition> {
  /** The consuming service; with the subject it names the durable consumer. */
  consumer: string;
  event: D;
  handler: (event: EventOf<D>, delivery: { deliveryCount: number }) => Promise<void>;
  /** Deliveries before a failing message is moved to the dead-letter subject. */
  maxDeliver?: number;
  /** Redelivery delays; the last one repeats. */
  backoffMs?: number[];
}

const DEFAULT_BACKOFF_MS = [200, 1000, 5000, 15000, 30000];
const DUPLICATE_WINDOW_MS = 10 * 60_000;

/**
 * The platform's one way to publish and consume events on NATS JetStream:
 * one stream per producing service (`<service>.>`), one durable consumer per consuming
 * service and subject, explicit acks, redelivery with back-off, and a dead-letter subject
 * after `maxDeliver` deliveries or at once for a message that fails validation.
 * Publishing uses the event id as JetStream message id, so a re-publish is dropped by the
 * server inside the duplicate window; consumers are idempotent for anything older.
 */
export class EventBus {
  private readonly streams = new Set<string>();
  private readonly running: ConsumerMessages[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly replies: Subscription[] = [];

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    private readonly options: EventBusOptions,
  ) {}

  static async connect(options: EventBusOptions): Promise<EventBus> {
    const nc = await connect({
      servers: options.servers.split(','),
      name: `${options.namespace || 'ticketaka'}-${options.service}`,
      maxReconnectAttempts: -1,
    });
    const jsm = await jetstreamManager(nc);
    return new EventBus(nc, jetstream(nc), jsm, options);
  }

  subject(typeOrSubject: string): string {
    return this.options.namespace ? `${this.options.namespace}.${typeOrSubject}` : typeOrSubject;
  }

  streamName(service: string): string {
    const base = this.options.namespace ? `${this.options.namespace}_${service}` : service;
    return base.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  }

  /** Creates the stream of a producing service when missing (producer or consumer may come first). */
  async ensureStream(service: string): Promise<string> {
    const name = this.streamName(service);
    if (this.streams.has(name)) return name;
    const config = {
      name,
      subjects: [this.subject(`${service}.>`)],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      max_age: nanos(30 * 24 * 3600_000),
      num_replicas: this.options.streamReplicas ?? 1,
    };
    const existing = await this.jsm.streams.info(name).catch(() => undefined);
    if (!existing) {
      try {
        await this.jsm.streams.add(config);
      } catch (error) {
        // Another instance created it between our look-up and our add.
        await this.jsm.streams.info(name).catch(() => {
          throw error;
        });
      }
    } else if (existing.config.num_replicas < config.num_replicas) {
      // A stream created before the cluster grew is raised to the configured copies.
      await this.jsm.streams.update(name, { num_replicas: config.num_replicas });
    }
    this.streams.add(name);
    return name;
  }

  async publish(event: EventEnvelope): Promise<{ duplicate: boolean; seq: number }> {
    await this.ensureStream(producerOf(event.type));
    const ack = await this.js.publish(this.subject(event.type), JSON.stringify(event), {
      msgID: event.id,
    });
    return { duplicate: ack.duplicate, seq: ack.seq };
  }

  durableName(consumer: string, type: string): string {
    return `${consumer}__${type}`.replace(/[^A-Za-z0-9_-]/g, '_');
  }

  async subscribe<D extends EventDefinition>(options: SubscribeOptions<D>): Promise<void> {
    const stream = await this.ensureStream(producerOf(options.event.type));
    await this.ensureStream('deadletter');
    const durable = this.durableName(options.consumer, options.event.type);
    const config = {
      durable_name: durable,
      filter_subject: this.subject(options.event.type),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(30_000),
      max_ack_pending: 1000,
    };
    try {
      await this.jsm.consumers.info(stream, durable);
    } catch {
      await this.jsm.consumers.add(stream, config).catch(async (error) => {
        await this.jsm.consumers.info(stream, durable).catch(() => {
          throw error;
        });
      });
    }
    const consumer = await this.js.consumers.get(stream, durable);
    const messages = await consumer.consume({ max_messages: 64 });
    this.running.push(messages);
    const loop = (async () => {
      for await (const msg of messages) await this.deliver(msg, options);
    })().catch((error) =>
      this.options.logger.error({ err: error, durable }, 'consumer loop stopped'),
    );
    this.loops.push(loop);
  }

  private async deliver<D extends EventDefinition>(msg: JsMsg, options: SubscribeOptions<D>) {
    const { consumer, event: definition } = options;
    const maxDeliver = options.maxDeliver ?? 8;
    const backoff = options.backoffMs ?? DEFAULT_BACKOFF_MS;
    const deliveryCount = msg.info.deliveryCount;
    const log = this.options.logger.child({
      consumer,
      subject: msg.subject,
      seq: msg.seq,
      deliveryCount,
    });
    const count = (outcome: string) =>
      this.options.metrics?.eventsConsumed.inc({ consumer, type: definition.type, outcome });

    let event: EventOf<D>;
    try {
      event = definition.envelope.parse(JSON.parse(msg.string())) as EventOf<D>;
    } catch (error) {
      // A message that cannot be parsed will never succeed: park it instead of retrying.
      await this.deadLetter(msg, consumer, `invalid message: ${describe(error)}`);
      count('invalid');
      return;
    }
    try {
      await options.handler(event, { deliveryCount });
      msg.ack();
      count('applied');
    } catch (error) {
      if (deliveryCount >= maxDeliver) {
        log.error({ err: error, eventId: event.id }, 'giving up on event; dead-lettered');
        await this.deadLetter(msg, consumer, describe(error));
        count('dead_lettered');
        return;
      }
      const delay = backoff[Math.min(deliveryCount - 1, backoff.length - 1)] ?? 1000;
      const level = error instanceof RetryLaterError ? 'debug' : 'warn';
      log[level](
        { err: error, eventId: event.id, retryInMs: delay },
        'event handling failed; will retry',
      );
      msg.nak(delay);
      count('retried');
    }
  }

  private async deadLetter(msg: JsMsg, consumer: string, reason: string) {
    const letter: DeadLetter = {
      consumer,
      subject: msg.subject,
      reason,
      deliveryCount: msg.info.deliveryCount,
      failedAt: new Date().toISOString(),
      payload: msg.string(),
    };
    const subject = this.subject(`deadletter.${consumer}.${msg.subject}`);
    await this.js.publish(subject, JSON.stringify(letter), {
      msgID: `${consumer}:${msg.info.stream}:${msg.seq}`,
    });
    this.options.metrics?.deadLettered.inc({ consumer, reason: reason.slice(0, 40) });
    msg.term(reason.slice(0, 200));
  }

  /**
   * Serves a request/reply subject (`rpc.<service>.<action>`) for answers needed at once.
   * Replicas share the work through a queue group. Handler errors are answered as
   * `{ error: { status, code, message } }`, never left to time out.
   */
  reply<Req extends z.ZodType, Res>(
    subject: string,
    schema: Req,
    handler: (request: z.infer<Req>) => Promise<Res>,
  ) {
    const sub = this.nc.subscribe(this.subject(subject), {
      queue: this.options.service,
      callback: (err, msg) => {
        if (err) return this.options.logger.error({ err, subject }, 'reply subscription failed');
        void (async () => {
          let answer: unknown;
          try {
            const parsed = schema.safeParse(msg.json());
            if (!parsed.success)
              throw new AppError(
                400,
                'invalid_request',
                parsed.error.issues.map((i) => i.message).join('; '),
              );
            answer = { ok: await handler(parsed.data) };
          } catch (error) {
            const appError = error instanceof AppError ? error : undefined;
            if (!appError)
              this.options.logger.error({ err: error, subject }, 'request handler failed');
            answer = {
              error: {
                status: appError?.status ?? 500,
                code: appError?.code ?? 'internal',
                message: appError?.message ?? 'internal error',
                details: appError?.details,
              },
            };
          }
          msg.respond(JSON.stringify(answer));
        })();
      },
    });
    this.replies.push(sub);
  }

  /** Asks another service and waits for its answer; its AppErrors are re-thrown here. */
  async request<Res extends z.ZodType>(
    subject: string,
    payload: unknown,
    schema: Res,
    timeoutMs = 5000,
  ): Promise<z.infer<Res>> {
    let raw: unknown;
    try {
      const msg = await this.nc.request(this.subject(subject), JSON.stringify(payload), {
        timeout: timeoutMs,
      });
      raw = msg.json();
    } catch (error) {
      throw new ServiceUnavailableError(
        `${subject} did not answer: ${describe(error)}`,
        'dependency_unavailable',
      );
    }
    const envelope = raw as {
      ok?: unknown;
      error?: {
        status: number;
        code: string;
        message: string;
        details?: { message: string; field?: string }[];
      };
    };
    if (envelope.error) {
      const e = envelope.error;
      throw new AppError(e.status, e.code, e.message, e.details ?? [{ message: e.message }]);
    }
    return schema.parse(envelope.ok);
  }

  isConnected(): boolean {
    return !this.nc.isClosed() && !this.nc.isDraining();
  }

  async close(): Promise<void> {
    for (const messages of this.running) await messages.close().catch(() => undefined);
    await Promise.allSettled(this.loops);
    for (const sub of this.replies) sub.unsubscribe();
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

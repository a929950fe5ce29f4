import { headers as natsHeaders, nanos, type MsgHdrs } from '@nats-io/nats-core';
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
import {
  contextHeaders,
  currentContext,
  runWithContext,
  type RequestContext,
} from '../context/request-context';
import { AppError, ServiceUnavailableError } from '../errors/app-error';
import { RetryLaterError, type DeadLetter } from './dead-letter';

export interface EventBusOptions {
  servers: string;
  /** Prefix of every subject and stream name ('' in a real deployment). */
  namespace: string;
  /** The connecting service, used for connection names and queue groups. */
  service: string;
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

/** One message as an observer sees it: any subject of a stream, parsed but not validated. */
export interface ObservedMessage {
  /** The subject without the namespace prefix, e.g. `orders.order.created`. */
  subject: string;
  /** Position in the producer's stream; a replay delivers the same numbers again. */
  streamSeq: number;
  deliveryCount: number;
  /** The parsed JSON payload; the observer validates it against what it expects. */
  payload: unknown;
}

export interface SubscribeStreamOptions {
  /** The observing service; with the stream it names the durable consumer. */
  consumer: string;
  /** The producing service whose whole stream (`<producer>.>`) is observed. */
  producer: string;
  /**
   * Handles up to `maxBatch` messages at once; all are acked when it resolves, all are
   * redelivered (with back-off) when it throws. Batches make a high-volume observer
   * (the data lake) one transaction per batch instead of one per event.
   */
  handleBatch: (messages: ObservedMessage[]) => Promise<void>;
  maxBatch?: number;
  /** How long a partial batch waits for more messages before it is handled. */
  maxWaitMs?: number;
  maxDeliver?: number;
  backoffMs?: number[];
  /** A throw-away consumer that starts from the first message (rebuilds), not a durable. */
  replay?: boolean;
}

export interface StreamSubscription {
  /** Messages of the stream not yet delivered to this consumer, plus those awaiting ack. */
  pending(): Promise<number>;
  close(): Promise<void>;
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
    };
    try {
      await this.jsm.streams.info(name);
    } catch {
      try {
        await this.jsm.streams.add(config);
      } catch (error) {
        // Another instance created it between our look-up and our add.
        await this.jsm.streams.info(name).catch(() => {
          throw error;
        });
      }
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
      await runWithContext(contextOfEvent(event), () => options.handler(event, { deliveryCount }));
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

  /**
   * Observes a producer's whole stream (`<producer>.>`) through one durable consumer, for
   * services that watch everything (analytics) rather than react to one event type.
   * Same delivery rules as `subscribe`: explicit acks, back-off, dead letter after
   * `maxDeliver`; a message that is not JSON is dead-lettered at once.
   */
  async subscribeStream(options: SubscribeStreamOptions): Promise<StreamSubscription> {
    const stream = await this.ensureStream(options.producer);
    await this.ensureStream('deadletter');
    const maxBatch = options.maxBatch ?? 500;
    const config = {
      filter_subject: this.subject(`${options.producer}.>`),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(60_000),
      max_ack_pending: Math.max(1000, maxBatch * 4),
    };
    let name: string;
    if (options.replay) {
      const info = await this.jsm.consumers.add(stream, {
        ...config,
        inactive_threshold: nanos(5 * 60_000),
      });
      name = info.name;
    } else {
      name = this.durableName(options.consumer, `${options.producer}.>`);
      await this.jsm.consumers.info(stream, name).catch(() =>
        this.jsm.consumers.add(stream, { ...config, durable_name: name }).catch(async (error) => {
          await this.jsm.consumers.info(stream, name).catch(() => {
            throw error;
          });
        }),
      );
    }
    const consumer = await this.js.consumers.get(stream, name);
    const messages = await consumer.consume({ max_messages: Math.max(256, maxBatch * 2) });
    this.running.push(messages);
    const batcher = new StreamBatcher(this, options, maxBatch, (msg, reason) =>
      this.deadLetter(msg, options.consumer, reason),
    );
    const loop = (async () => {
      for await (const msg of messages) await batcher.add(msg);
      await batcher.flush();
    })().catch((error) =>
      this.options.logger.error({ err: error, consumer: name }, 'stream consumer loop stopped'),
    );
    this.loops.push(loop);
    return {
      pending: async () => {
        const info = await consumer.info();
        return info.num_pending + info.num_ack_pending;
      },
      close: async () => {
        await messages.close().catch(() => undefined);
        await loop;
        if (options.replay) await this.jsm.consumers.delete(stream, name).catch(() => undefined);
      },
    };
  }

  /** The subject as producers name it, without this bus's namespace prefix. */
  unprefixed(subject: string): string {
    const prefix = this.options.namespace ? `${this.options.namespace}.` : '';
    return prefix && subject.startsWith(prefix) ? subject.slice(prefix.length) : subject;
  }

  /** @internal Used by StreamBatcher to report what happened to a batch. */
  logFor(bindings: Record<string, unknown>): Logger {
    return this.options.logger.child(bindings);
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
    // The reason travels in the letter: servers before 2.10 ignore "+TERM <reason>" entirely.
    msg.term();
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
        void runWithContext(contextOfHeaders(msg.headers), async () => {
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
        });
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
        headers: headersOfContext(currentContext()),
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

/** Work caused by an event runs in its chain: events it creates name it as their cause. */
function contextOfEvent(event: EventEnvelope): RequestContext {
  return {
    requestId: event.metadata?.requestId ?? undefined,
    correlationId: event.metadata?.correlationId ?? event.id,
    causationId: event.id,
  };
}

function headersOfContext(context: RequestContext | undefined): MsgHdrs | undefined {
  if (!context) return undefined;
  const h = natsHeaders();
  for (const [key, header] of Object.entries(contextHeaders)) {
    const value = context[key as keyof typeof contextHeaders];
    if (value) h.set(header, value);
  }
  return h;
}

const headerValue = /^[\w.:-]{1,100}$/;

/** Only well-formed ids are taken from a request's headers. */
function contextOfHeaders(h: MsgHdrs | undefined): RequestContext {
  const context: RequestContext = {};
  for (const [key, header] of Object.entries(contextHeaders)) {
    const value = h?.get(header);
    if (value && headerValue.test(value)) context[key as keyof typeof contextHeaders] = value;
  }
  return context;
}

/**
 * Collects a stream consumer's messages into batches: a batch is handled when it is full
 * or `maxWaitMs` after its first message. One batch is handled at a time, in order.
 */
class StreamBatcher {
  private batch: JsMsg[] = [];
  private timer?: NodeJS.Timeout;
  private handling: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: EventBus,
    private readonly options: SubscribeStreamOptions,
    private readonly maxBatch: number,
    private readonly deadLetter: (msg: JsMsg, reason: string) => Promise<void>,
  ) {}

  async add(msg: JsMsg): Promise<void> {
    this.batch.push(msg);
    if (this.batch.length >= this.maxBatch) {
      await this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.maxWaitMs ?? 100);
    }
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const taken = this.batch;
    this.batch = [];
    this.handling = this.handling
      .then(() => (taken.length ? this.handle(taken) : undefined))
      .catch((error) =>
        // Unacked messages come back after ack_wait; the next batches must not be blocked.
        this.bus.logFor({ consumer: this.options.consumer }).error({ err: error }, 'batch lost'),
      );
    return this.handling;
  }

  private async handle(msgs: JsMsg[]): Promise<void> {
    const { consumer, producer } = this.options;
    const observed: ObservedMessage[] = [];
    const accepted: JsMsg[] = [];
    for (const msg of msgs) {
      let payload: unknown;
      try {
        payload = JSON.parse(msg.string());
      } catch (error) {
        await this.deadLetter(msg, `invalid message: ${describe(error)}`);
        continue;
      }
      accepted.push(msg);
      observed.push({
        subject: this.bus.unprefixed(msg.subject),
        streamSeq: msg.seq,
        deliveryCount: msg.info.deliveryCount,
        payload,
      });
    }
    if (accepted.length === 0) return;
    try {
      await this.options.handleBatch(observed);
      for (const msg of accepted) msg.ack();
    } catch (error) {
      const maxDeliver = this.options.maxDeliver ?? 8;
      const backoff = this.options.backoffMs ?? DEFAULT_BACKOFF_MS;
      const log = this.bus.logFor({ consumer, producer, size: accepted.length });
      log.warn({ err: error }, 'batch handling failed; will retry');
      for (const msg of accepted) {
        const count = msg.info.deliveryCount;
        if (count >= maxDeliver) await this.deadLetter(msg, describe(error));
        else msg.nak(backoff[Math.min(count - 1, backoff.length - 1)] ?? 1000);
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

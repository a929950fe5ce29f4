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
import { isTransientError } from '../errors/transient';
import { RetryLaterError, type DeadLetter } from './dead-letter';
import { connectNats } from './nats-connection';

export interface EventBusOptions {
  servers: string;
  /** Prefix of every subject and stream name ('' in a real deployment). */
  namespace: string;
  /** The connecting service, used for connection names and queue groups. */
  service: string;
  /**
   * Whose NATS credentials the connection uses: the service's own by default, so the server
   * lets it publish only its own events and consume only what its service.json declares.
   * Tests that play several parts connect as `admin`.
   */
  user?: string;
  /** Folder of the credentials (CREDENTIALS_DIR); the local installation's when omitted. */
  credentialsDir?: string;
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
  /**
   * Deterministic failures before a message is moved to the dead-letter subject. Transient
   * failures (a dependency away, `RetryLaterError`) never count: they are retried for as long
   * as the outage lasts.
   */
  maxDeliver?: number;
  /** Redelivery delays after a deterministic failure; the last one repeats. */
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

/** What `/readyz` and `/metrics` show of one durable consumer. */
export interface ConsumerState {
  durable: string;
  consumer: string;
  type: string;
  status: 'starting' | 'running' | 'restarting' | 'stopped';
  restarts: number;
  lastError?: string;
}

const DEFAULT_BACKOFF_MS = [200, 1000, 5000, 15000, 30000];
/** Capped exponential back-off while a dependency is away. */
const TRANSIENT_BACKOFF_MS = { first: 250, max: 15_000 };
const RESTART_BACKOFF_MS = { first: 250, max: 10_000 };

/** A producer's stream: `<SERVICE>`, or `<NAMESPACE>_<SERVICE>` in a namespaced test. */
export function streamNameOf(service: string, namespace = ''): string {
  const base = namespace ? `${namespace}_${service}` : service;
  return base.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** One durable consumer per consuming service and subject (or `<producer>.>` for an observer). */
export function durableNameOf(consumer: string, subject: string): string {
  return `${consumer}__${subject}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DUPLICATE_WINDOW_MS = 10 * 60_000;

/**
 * The platform's one way to publish and consume events on NATS JetStream:
 * one stream per producing service (`<service>.>`), one durable consumer per consuming
 * service and subject, explicit acks, redelivery with back-off, and a dead-letter subject
 * after `maxDeliver` deterministic failures or at once for a message that fails validation.
 * An outage (PostgreSQL restarting, a request nobody answers) is retried with capped
 * back-off for as long as it lasts, never dead-lettered. Each consumer loop restarts itself
 * whenever it ends while the bus is open; its state is visible in `consumerStates()`.
 * Publishing uses the event id as JetStream message id, so a re-publish is dropped by the
 * server inside the duplicate window; consumers are idempotent for anything older.
 */
export class EventBus {
  private readonly streams = new Set<string>();
  private readonly running = new Set<ConsumerMessages>();
  private readonly loops: Promise<void>[] = [];
  private readonly replies: Subscription[] = [];
  private readonly states: ConsumerState[] = [];
  /** Deterministic failures per message still being retried (`durable:seq`). */
  private readonly failures = new Map<string, number>();
  private closing = false;
  private connected = true;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    private readonly options: EventBusOptions,
  ) {}

  static async connect(options: EventBusOptions): Promise<EventBus> {
    const nc = await connectNats({
      servers: options.servers,
      user: options.user ?? options.service,
      credentialsDir: options.credentialsDir,
      name: `${options.namespace || 'ticketaka'}-${options.service}`,
    });
    const jsm = await jetstreamManager(nc);
    const bus = new EventBus(nc, jetstream(nc), jsm, options);
    bus.watchConnection();
    return bus;
  }

  /** Readiness follows the connection: red while NATS is away, green once reconnected. */
  private watchConnection() {
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect') this.connected = false;
        if (status.type === 'reconnect') this.connected = true;
        if (status.type === 'disconnect' || status.type === 'reconnect')
          this.options.logger.warn({ nats: status.type }, `NATS ${status.type}`);
      }
    })().catch(() => undefined);
  }

  /** Where this bus connects, so a tool can open a connection of its own to the same servers. */
  get servers(): { servers: string; credentialsDir?: string } {
    return { servers: this.options.servers, credentialsDir: this.options.credentialsDir };
  }

  subject(typeOrSubject: string): string {
    return this.options.namespace ? `${this.options.namespace}.${typeOrSubject}` : typeOrSubject;
  }

  streamName(service: string): string {
    return streamNameOf(service, this.options.namespace);
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
    } else if (
      existing.config.num_replicas < config.num_replicas &&
      (service === this.options.service || service === 'deadletter')
    ) {
      // A stream created before the cluster grew is raised to the configured copies, by
      // its producer: NATS lets no other service change a stream's configuration.
      await this.jsm.streams.update(name, { num_replicas: config.num_replicas });
    }
    this.streams.add(name);
    return name;
  }

  async publish(event: EventEnvelope): Promise<{ duplicate: boolean; seq: number }> {
    const stream = await this.ensureStream(producerOf(event.type));
    try {
      const ack = await this.js.publish(this.subject(event.type), JSON.stringify(event), {
        msgID: event.id,
      });
      return { duplicate: ack.duplicate, seq: ack.seq };
    } catch (error) {
      // The stream may be gone (a NATS server that lost its store): look again next time.
      this.streams.delete(stream);
      throw error;
    }
  }

  durableName(consumer: string, type: string): string {
    return durableNameOf(consumer, type);
  }

  async subscribe<D extends EventDefinition>(options: SubscribeOptions<D>): Promise<void> {
    const stream = await this.ensureStream(producerOf(options.event.type));
    await this.ensureStream('deadletter');
    const durable = this.durableName(options.consumer, options.event.type);
    await this.ensureConsumer(stream, durable, options.event.type);
    const state: ConsumerState = {
      durable,
      consumer: options.consumer,
      type: options.event.type,
      status: 'starting',
      restarts: 0,
    };
    this.states.push(state);
    this.loops.push(
      this.consumeLoop(state, {
        open: async (restarting) => {
          if (restarting) await this.ensureConsumer(stream, durable, options.event.type);
          const consumer = await this.js.consumers.get(stream, durable);
          return consumer.consume({ max_messages: 64, abort_on_missing_resource: true });
        },
        handle: (msg) => this.deliver(msg, options, state),
      }),
    );
  }

  private async ensureConsumer(stream: string, durable: string, type: string) {
    const config = {
      durable_name: durable,
      filter_subject: this.subject(type),
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
  }

  /**
   * Consumes until the bus closes (or `source.stopped()` says this one was closed). Whatever
   * ends the message iterator (the consumer or its stream deleted, an error in the client)
   * restarts it with back-off through `source.open(true)`, which re-creates the consumer if
   * it is gone, so a consumer never stops silently. Every consumer (`subscribe`) and
   * observer (`subscribeStream`) runs in this one loop.
   */
  private async consumeLoop(
    state: ConsumerState,
    source: {
      open: (restarting: boolean) => Promise<ConsumerMessages>;
      handle: (msg: JsMsg) => Promise<void>;
      /** After each iterator ends, before a restart (a batcher hands over what it holds). */
      drained?: () => Promise<void>;
      stopped?: () => boolean;
    },
  ) {
    const log = this.options.logger.child({ durable: state.durable });
    const stopping = () => this.closing || (source.stopped?.() ?? false);
    let attempt = 0;
    while (!stopping()) {
      let messages: ConsumerMessages | undefined;
      try {
        messages = await source.open(state.status === 'restarting');
        this.running.add(messages);
        if (stopping()) break;
        if (state.status === 'restarting') log.info('consumer restarted');
        state.status = 'running';
        state.lastError = undefined;
        attempt = 0;
        this.watchConsumer(messages, log);
        for await (const msg of messages) await source.handle(msg);
        await source.drained?.();
        if (stopping()) break;
        throw new Error('the message iterator ended');
      } catch (error) {
        if (stopping()) break;
        state.status = 'restarting';
        state.restarts += 1;
        state.lastError = describe(error);
        this.options.metrics?.consumerRestarts.inc({ consumer: state.consumer, type: state.type });
        const delay = Math.min(RESTART_BACKOFF_MS.first * 2 ** attempt, RESTART_BACKOFF_MS.max);
        attempt += 1;
        log.warn({ err: error, retryInMs: delay }, 'consumer loop ended; restarting');
        await sleep(delay);
      } finally {
        if (messages) {
          this.running.delete(messages);
          await messages.close().catch(() => undefined);
        }
      }
    }
    await source.drained?.().catch(() => undefined);
    state.status = 'stopped';
  }

  /** A deleted consumer would leave the iterator waiting forever: end it so the loop restarts. */
  private watchConsumer(messages: ConsumerMessages, log: Logger) {
    void (async () => {
      for await (const status of messages.status()) {
        if (status.type === 'consumer_deleted') {
          log.warn('durable consumer deleted on the server; re-creating it');
          messages.stop(new Error('consumer deleted'));
        }
      }
    })().catch(() => undefined);
  }

  consumerStates(): readonly ConsumerState[] {
    return this.states;
  }

  private async deliver<D extends EventDefinition>(
    msg: JsMsg,
    options: SubscribeOptions<D>,
    state: ConsumerState,
  ) {
    const { consumer, event: definition } = options;
    const maxDeliver = options.maxDeliver ?? 8;
    const backoff = options.backoffMs ?? DEFAULT_BACKOFF_MS;
    const deliveryCount = msg.info.deliveryCount;
    const key = `${state.durable}:${msg.seq}`;
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
      if (await this.deadLetter(msg, consumer, `invalid message: ${describe(error)}`, log))
        count('invalid');
      return;
    }
    try {
      await runWithContext(contextOfEvent(event), () => options.handler(event, { deliveryCount }));
      msg.ack();
      this.failures.delete(key);
      count('applied');
    } catch (error) {
      if (isTransientError(error) && !this.closing) {
        // An outage, or an event that must wait for another: retry without spending the budget.
        const delay = Math.min(
          TRANSIENT_BACKOFF_MS.first * 2 ** Math.min(deliveryCount - 1, 10),
          TRANSIENT_BACKOFF_MS.max,
        );
        const level = error instanceof RetryLaterError ? 'debug' : 'warn';
        log[level](
          { err: error, eventId: event.id, retryInMs: delay },
          'event could not be applied yet (transient); will retry',
        );
        safely(() => msg.nak(delay));
        count('retried_transient');
        return;
      }
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      if (failures >= maxDeliver) {
        log.error(
          { err: error, eventId: event.id, failures },
          'giving up on event; dead-lettering',
        );
        if (await this.deadLetter(msg, consumer, describe(error), log)) {
          this.failures.delete(key);
          count('dead_lettered');
        }
        return;
      }
      const delay = backoff[Math.min(failures - 1, backoff.length - 1)] ?? 1000;
      log.warn(
        { err: error, eventId: event.id, retryInMs: delay, failures },
        'event handling failed; will retry',
      );
      safely(() => msg.nak(delay));
      count('retried');
    }
  }

  /**
   * Observes a producer's whole stream (`<producer>.>`) through one durable consumer, for
   * services that watch everything (analytics) rather than react to one event type.
   * Same delivery rules as `subscribe`: explicit acks, back-off, dead letter after
   * `maxDeliver`; a message that is not JSON is dead-lettered at once. Same loop too: it
   * restarts itself (re-creating its consumer) whenever its iterator ends while the bus is
   * open, and shows in `consumerStates()` (readiness, metrics) until it is closed.
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
    // A replay reads from the first message with a consumer of its own, named after the
    // observer (not random) so NATS can allow it this consumer and no other; if it is lost
    // mid-way, the restart creates it from the first message again (the observer's inbox
    // drops what it already has).
    const create = async () => {
      const durable = this.durableName(options.consumer, `${options.producer}.>`);
      if (options.replay) {
        const replayName = `${durable}_replay`;
        await this.jsm.consumers.delete(stream, replayName).catch(() => undefined);
        await this.jsm.consumers.add(stream, {
          ...config,
          name: replayName,
          inactive_threshold: nanos(5 * 60_000),
        });
        return replayName;
      }
      await this.jsm.consumers.info(stream, durable).catch(() =>
        this.jsm.consumers
          .add(stream, { ...config, durable_name: durable })
          .catch(async (error) => {
            await this.jsm.consumers.info(stream, durable).catch(() => {
              throw error;
            });
          }),
      );
      return durable;
    };
    let name = await create();
    let consumer = await this.js.consumers.get(stream, name);
    const state: ConsumerState = {
      durable: options.replay ? `${options.consumer}__${options.producer}_replay` : name,
      consumer: options.consumer,
      type: `${options.producer}.>`,
      status: 'starting',
      restarts: 0,
    };
    this.states.push(state);
    const log = this.options.logger.child({ consumer: name, producer: options.producer });
    const batcher = new StreamBatcher(this, options, maxBatch, (msg, reason) =>
      this.deadLetter(msg, options.consumer, reason, log),
    );
    let closed = false;
    let current: ConsumerMessages | undefined;
    const loop = this.consumeLoop(state, {
      open: async (restarting) => {
        if (restarting) {
          name = await create();
          consumer = await this.js.consumers.get(stream, name);
        }
        current = await consumer.consume({
          max_messages: Math.max(256, maxBatch * 2),
          abort_on_missing_resource: true,
        });
        return current;
      },
      handle: (msg) => batcher.add(msg),
      drained: () => batcher.flush(),
      stopped: () => closed,
    });
    this.loops.push(loop);
    return {
      pending: async () => {
        const info = await consumer.info();
        return info.num_pending + info.num_ack_pending;
      },
      close: async () => {
        closed = true;
        await current?.close().catch(() => undefined);
        await loop;
        // Closed on purpose: not a consumer that is down.
        this.states.splice(this.states.indexOf(state), 1);
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

  /**
   * How many messages consumers gave up on, per consumer (the admin dashboard shows it).
   * Read from the dead-letter stream's per-subject counts; nothing is consumed.
   */
  async deadLetterCounts(): Promise<{ total: number; byConsumer: Record<string, number> }> {
    const stream = await this.ensureStream('deadletter');
    const info = await this.jsm.streams.info(stream, { subjects_filter: '>' });
    const prefix = `${this.subject('deadletter')}.`;
    const byConsumer: Record<string, number> = {};
    for (const [subject, count] of Object.entries(info.state.subjects ?? {})) {
      const consumer = subject.startsWith(prefix) ? subject.slice(prefix.length).split('.')[0] : '';
      if (consumer) byConsumer[consumer] = (byConsumer[consumer] ?? 0) + count;
    }
    return { total: info.state.messages, byConsumer };
  }

  /**
   * Parks a message on `deadletter.<consumer>.<subject>` and ends its delivery. If the
   * dead-letter publish itself fails (NATS reconnecting), the message is nak'ed instead and
   * comes back later: it is never dropped and the consumer loop goes on. Returns whether it
   * was parked.
   */
  private async deadLetter(msg: JsMsg, consumer: string, reason: string, log: Logger) {
    const letter: DeadLetter = {
      consumer,
      subject: msg.subject,
      reason,
      deliveryCount: msg.info.deliveryCount,
      failedAt: new Date().toISOString(),
      payload: msg.string(),
    };
    const subject = this.subject(`deadletter.${consumer}.${msg.subject}`);
    try {
      await this.ensureStream('deadletter');
      await this.js.publish(subject, JSON.stringify(letter), {
        msgID: `${consumer}:${msg.info.stream}:${msg.seq}`,
      });
    } catch (error) {
      log.warn({ err: error }, 'could not publish the dead letter; the message will come back');
      this.streams.delete(this.streamName('deadletter'));
      safely(() => msg.nak(2_000));
      return false;
    }
    this.options.metrics?.deadLettered.inc({ consumer, reason: reason.slice(0, 40) });
    // The reason travels in the letter: servers before 2.10 ignore "+TERM <reason>" entirely.
    safely(() => msg.term());
    return true;
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
            let appError = error instanceof AppError ? error : undefined;
            if (!appError && isTransientError(error)) {
              // Our database (or another dependency) is away: the caller may ask again.
              this.options.logger.warn(
                { err: error, subject },
                'request refused: dependency unavailable',
              );
              appError = new ServiceUnavailableError(
                `${this.options.service} is briefly unavailable`,
                'dependency_unavailable',
              );
            } else if (!appError)
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
    return this.connected && !this.nc.isClosed() && !this.nc.isDraining();
  }

  async close(): Promise<void> {
    this.closing = true;
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
    private readonly deadLetter: (msg: JsMsg, reason: string) => Promise<boolean>,
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
      for (const msg of accepted) safely(() => msg.ack());
    } catch (error) {
      const maxDeliver = this.options.maxDeliver ?? 8;
      const backoff = this.options.backoffMs ?? DEFAULT_BACKOFF_MS;
      const log = this.bus.logFor({ consumer, producer, size: accepted.length });
      log.warn({ err: error }, 'batch handling failed; will retry');
      for (const msg of accepted) {
        const count = msg.info.deliveryCount;
        if (count >= maxDeliver) await this.deadLetter(msg, describe(error));
        else safely(() => msg.nak(backoff[Math.min(count - 1, backoff.length - 1)] ?? 1000));
      }
    }
  }
}

/** Acks and naks are fire-and-forget; on a closed connection they may throw, and redelivery covers them. */
function safely(step: () => void) {
  try {
    step();
  } catch {
    // The server redelivers after ack_wait.
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

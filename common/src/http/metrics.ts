import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

interface ConsumerView {
  consumer: string;
  type: string;
  status: string;
}

/** One registry per service instance, so several services can run in one test process. */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const eventsPublished = new Counter({
    name: 'events_published_total',
    help: 'Events published to JetStream by the outbox relay',
    labelNames: ['type'],
    registers: [registry],
  });
  const eventsConsumed = new Counter({
    name: 'events_consumed_total',
    help: 'Events handled by consumers, by outcome',
    labelNames: ['consumer', 'type', 'outcome'],
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'events_dead_lettered_total',
    help: 'Messages moved to a dead-letter subject',
    labelNames: ['consumer', 'reason'],
    registers: [registry],
  });

  const consumerRestarts = new Counter({
    name: 'event_consumer_restarts_total',
    help: 'Times a durable consumer loop ended and was restarted',
    labelNames: ['consumer', 'type'],
    registers: [registry],
  });
  let consumers: () => readonly ConsumerView[] = () => [];
  new Gauge({
    name: 'event_consumer_up',
    help: '1 while a durable consumer loop is running, 0 while it starts or restarts',
    labelNames: ['consumer', 'type'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of consumers())
        this.set({ consumer: c.consumer, type: c.type }, c.status === 'running' ? 1 : 0);
    },
  });

  /** One finished request: the matched route pattern, never the raw path (bounded labels). */
  const observeHttp = (method: string, route: string, status: number, seconds: number) =>
    httpDuration.observe({ method, route, status: String(status) }, seconds);

  return {
    registry,
    observeHttp,
    eventsPublished,
    eventsConsumed,
    deadLettered,
    consumerRestarts,
    /** Where the consumer gauge reads its states from (the service's event bus). */
    trackConsumers: (source: () => readonly ConsumerView[]) => {
      consumers = source;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

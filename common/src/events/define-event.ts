import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { currentContext } from '../context/request-context';

/**
 * An event type: its name (`<service>.<entity>.<past-tense verb>`, also its subject) and
 * the zod schema of its `data`, which is the single source of its TypeScript type.
 */
export interface EventDefinition<T extends string = string, S extends z.ZodType = z.ZodType> {
  type: T;
  data: S;
  /** Version of the `data` schema; bump it when the shape changes incompatibly. */
  schemaVersion: number;
  envelope: z.ZodType<EventEnvelope<T, z.infer<S>>>;
  /** Builds a new event with a fresh id; `id` may be given to derive it deterministically. */
  create(
    data: z.infer<S>,
    options?: { id?: string; occurredAt?: Date },
  ): EventEnvelope<T, z.infer<S>>;
}

export interface EventEnvelope<T extends string = string, D = unknown> {
  readonly id: string;
  readonly type: T;
  readonly occurredAt: string;
  readonly data: D;
  /** Absent on events written before metadata existed; every new event carries it. */
  readonly metadata?: EventMetadata;
}

/**
 * Where an event came from, for observers (the data lake, tracing): the request that caused
 * it, the chain of events it belongs to, who produced it, and the version of its schema.
 */
export const eventMetadataSchema = z.object({
  /** The first request or event of the chain; the event's own id when it starts one. */
  correlationId: z.string().min(1).max(100),
  /** The event being handled when this one was created, if any. */
  causationId: z.string().min(1).max(100).nullable(),
  /** The gateway's request id, when an HTTP request started the chain. */
  requestId: z.string().min(1).max(100).nullable(),
  producer: z.string().min(1).max(60),
  schemaVersion: z.number().int().positive(),
});
export type EventMetadata = z.infer<typeof eventMetadataSchema>;

export function defineEvent<const T extends string, S extends z.ZodType>(
  type: T,
  data: S,
  options: { schemaVersion?: number } = {},
): EventDefinition<T, S> {
  const schemaVersion = options.schemaVersion ?? 1;
  const envelope = z.object({
    id: z.string().uuid(),
    type: z.literal(type),
    occurredAt: z.string().datetime({ offset: true }),
    data,
    metadata: eventMetadataSchema.optional(),
  }) as unknown as z.ZodType<EventEnvelope<T, z.infer<S>>>;
  return {
    type,
    data,
    schemaVersion,
    envelope,
    create: (value, options = {}) => {
      const id = options.id ?? randomUUID();
      return {
        id,
        type,
        occurredAt: (options.occurredAt ?? new Date()).toISOString(),
        data: data.parse(value) as z.infer<S>,
        metadata: metadataFor(id, producerOf(type), schemaVersion),
      };
    },
  };
}

/** Metadata of a new event, from the request or event being handled right now. */
function metadataFor(id: string, producer: string, schemaVersion: number): EventMetadata {
  const context = currentContext();
  return {
    correlationId: context?.correlationId ?? context?.requestId ?? id,
    causationId: context?.causationId ?? null,
    requestId: context?.requestId ?? null,
    producer,
    schemaVersion,
  };
}

export type EventOf<D> =
  D extends EventDefinition<infer T, infer S> ? EventEnvelope<T, z.infer<S>> : never;

/** The service that produces an event, i.e. the first segment of its type. */
export const producerOf = (type: string) => type.split('.')[0] as string;

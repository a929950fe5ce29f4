import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * An event type: its name (`<service>.<entity>.<past-tense verb>`, also its subject) and
 * the zod schema of its `data`, which is the single source of its TypeScript type.
 */
export interface EventDefinition<T extends string = string, S extends z.ZodType = z.ZodType> {
  type: T;
  data: S;
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
}

export function defineEvent<const T extends string, S extends z.ZodType>(
  type: T,
  data: S,
): EventDefinition<T, S> {
  const envelope = z.object({
    id: z.string().uuid(),
    type: z.literal(type),
    occurredAt: z.string().datetime({ offset: true }),
    data,
  }) as unknown as z.ZodType<EventEnvelope<T, z.infer<S>>>;
  return {
    type,
    data,
    envelope,
    create: (value, options = {}) => ({
      id: options.id ?? randomUUID(),
      type,
      occurredAt: (options.occurredAt ?? new Date()).toISOString(),
      data: data.parse(value) as z.infer<S>,
    }),
  };
}

export type EventOf<D> =
  D extends EventDefinition<infer T, infer S> ? EventEnvelope<T, z.infer<S>> : never;

/** The service that produces an event, i.e. the first segment of its type. */
export const producerOf = (type: string) => type.split('.')[0] as string;

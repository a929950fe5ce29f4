import { z } from 'zod';
import {
  deterministicId,
  eventDefinition,
  eventMetadataSchema,
  type ObservedMessage,
} from '@ticketaka/common';

/** One row of the lake: an event as it was published, with its origin. */
export interface LakeEvent {
  eventId: string;
  type: string;
  occurredAt: string;
  schemaVersion: number;
  producer: string;
  correlationId: string | null;
  causationId: string | null;
  requestId: string | null;
  streamSeq: number;
  /** The event's `data` (validated when its type is in the catalogue). */
  data: unknown;
}

/** Lake types for what is not a catalogue event. */
export const DEAD_LETTER_TYPE = 'deadletter.message.parked';
export const REJECTED_TYPE = 'analytics.message.rejected';

/** Event types become folder names: nothing but `<service>.<entity>.<verb>` gets through. */
const LAKE_TYPE = /^[a-z0-9-]+(\.[a-z0-9-]+){1,4}$/;
export const isLakeType = (type: string) => LAKE_TYPE.test(type);

const envelopeSchema = z.object({
  id: z.string().uuid(),
  type: z.string().min(1).max(120),
  occurredAt: z.string().datetime({ offset: true }),
  data: z.unknown(),
  metadata: eventMetadataSchema.optional(),
});

const deadLetterSchema = z.object({
  consumer: z.string(),
  subject: z.string(),
  reason: z.string(),
  deliveryCount: z.number(),
  failedAt: z.string().datetime({ offset: true }),
  payload: z.string(),
});

/**
 * Turns whatever arrived on a stream into a lake row, never throwing: a hostile or broken
 * message is kept as `analytics.message.rejected` (with a deterministic id, so a replay does
 * not add it twice) instead of stopping the ingester or vanishing.
 */
export function toLakeEvent(message: ObservedMessage): LakeEvent {
  const base = { streamSeq: message.streamSeq, correlationId: null, causationId: null };
  const rejected = (why: string): LakeEvent => ({
    ...base,
    eventId: deterministicId('rejected', message.subject, String(message.streamSeq)),
    type: REJECTED_TYPE,
    occurredAt: new Date().toISOString(),
    schemaVersion: 1,
    producer: message.subject.split('.')[0] ?? 'unknown',
    requestId: null,
    data: {
      subject: message.subject,
      why,
      payload: JSON.stringify(message.payload).slice(0, 10_000),
    },
  });

  if (message.subject.startsWith('deadletter.')) {
    const letter = deadLetterSchema.safeParse(message.payload);
    if (!letter.success) return rejected('dead letter of unknown shape');
    return {
      ...base,
      eventId: deterministicId('deadletter', message.subject, String(message.streamSeq)),
      type: DEAD_LETTER_TYPE,
      occurredAt: letter.data.failedAt,
      schemaVersion: 1,
      producer: 'deadletter',
      requestId: null,
      data: { ...letter.data, payload: letter.data.payload.slice(0, 10_000) },
    };
  }

  const envelope = envelopeSchema.safeParse(message.payload);
  if (!envelope.success) return rejected('not an event envelope');
  const event = envelope.data;
  if (event.type !== message.subject || !isLakeType(event.type)) {
    return rejected('type does not match its subject');
  }
  const definition = eventDefinition(event.type);
  if (definition) {
    const data = definition.data.safeParse(event.data);
    if (!data.success) return rejected(`data does not match ${event.type}`);
  }
  return {
    ...base,
    eventId: event.id,
    type: event.type,
    occurredAt: new Date(event.occurredAt).toISOString(),
    schemaVersion: event.metadata?.schemaVersion ?? definition?.schemaVersion ?? 1,
    producer: event.metadata?.producer ?? event.type.split('.')[0] ?? 'unknown',
    correlationId: event.metadata?.correlationId ?? null,
    causationId: event.metadata?.causationId ?? null,
    requestId: event.metadata?.requestId ?? null,
    data: event.data,
  };
}

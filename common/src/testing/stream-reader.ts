import { DeliverPolicy } from '@nats-io/jetstream';
import type { EventBus } from '../bus/event-bus';
import { producerOf, type EventEnvelope } from '../events/define-event';

/**
 * Everything stored on a subject, read from the stream itself (not from a consumer of the
 * code under test), so a test sees exactly what was published, duplicates included.
 */
export async function readSubject<T = EventEnvelope>(
  bus: EventBus,
  typeOrSubject: string,
  stream?: string,
): Promise<T[]> {
  const streamName = stream ?? (await bus.ensureStream(producerOf(typeOrSubject)));
  const consumer = await bus.js.consumers.get(streamName, {
    filter_subjects: bus.subject(typeOrSubject),
    deliver_policy: DeliverPolicy.All,
  });
  const info = await consumer.info(true);
  const expected = info.num_pending;
  const out: T[] = [];
  while (out.length < expected) {
    const batch = await consumer.fetch({
      max_messages: Math.min(expected - out.length, 500),
      expires: 2000,
    });
    let got = 0;
    for await (const m of batch) {
      out.push(m.json<T>());
      got += 1;
    }
    if (got === 0) break;
  }
  await consumer.delete().catch(() => undefined);
  return out;
}

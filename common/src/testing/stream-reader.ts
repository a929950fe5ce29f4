import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { EventBus } from '../bus/event-bus';
import { connectNats } from '../bus/nats-connection';
import { ADMIN_USER } from '../credentials/service-credentials';
import { producerOf, type EventEnvelope } from '../events/define-event';

/**
 * Everything stored on a subject, read from the stream itself (not from a consumer of the
 * code under test), so a test sees exactly what was published, duplicates included. Read as
 * `admin`: the service whose bus is given may not create consumers on streams at will.
 */
export async function readSubject<T = EventEnvelope>(
  bus: EventBus,
  typeOrSubject: string,
  stream?: string,
): Promise<T[]> {
  const streamName = stream ?? (await bus.ensureStream(producerOf(typeOrSubject)));
  const nc = await connectNats({
    ...bus.servers,
    user: ADMIN_USER,
    name: 'test-read-subject',
    maxReconnectAttempts: 0,
  });
  try {
    return await readAll<T>(bus, nc, streamName, typeOrSubject);
  } finally {
    await nc.close();
  }
}

async function readAll<T>(
  bus: EventBus,
  nc: Awaited<ReturnType<typeof connectNats>>,
  streamName: string,
  typeOrSubject: string,
): Promise<T[]> {
  const consumer = await jetstream(nc).consumers.get(streamName, {
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

import { DeliverPolicy } from '@nats-io/jetstream';
import type { DeadLetter } from './dead-letter';
import type { EventBus } from './event-bus';

export interface StoredDeadLetter extends DeadLetter {
  /** Sequence in the dead-letter stream: the handle `show` and `replay` take. */
  seq: number;
}

const deadLetterStream = (bus: EventBus) => bus.streamName('deadletter');

/** The dead letters still parked, oldest first, optionally of one consuming service. */
export async function listDeadLetters(
  bus: EventBus,
  filter: { consumer?: string } = {},
): Promise<StoredDeadLetter[]> {
  const stream = await bus.ensureStream('deadletter');
  const consumer = await bus.js.consumers.get(stream, {
    filter_subjects: bus.subject(
      filter.consumer ? `deadletter.${filter.consumer}.>` : 'deadletter.>',
    ),
    deliver_policy: DeliverPolicy.All,
  });
  try {
    const expected = (await consumer.info(true)).num_pending;
    const out: StoredDeadLetter[] = [];
    while (out.length < expected) {
      const batch = await consumer.fetch({
        max_messages: Math.min(expected - out.length, 500),
        expires: 2000,
      });
      let got = 0;
      for await (const m of batch) {
        out.push({ ...m.json<DeadLetter>(), seq: m.seq });
        got += 1;
      }
      if (got === 0) break;
    }
    return out;
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}

export async function showDeadLetter(bus: EventBus, seq: number): Promise<StoredDeadLetter> {
  const stored = await bus.jsm.streams.getMessage(deadLetterStream(bus), { seq }).catch(() => null);
  if (!stored) throw new Error(`no dead letter #${seq}`);
  return { ...stored.json<DeadLetter>(), seq };
}

/**
 * Puts a dead letter's original message back on its subject and removes the letter. Every
 * durable consumer of that subject sees it again; their inboxes (or own de-duplication)
 * make that safe: whoever applied it already changes nothing. The message id is derived
 * from the letter, so replaying the same letter twice inside JetStream's duplicate window
 * publishes it once.
 */
export async function replayDeadLetter(
  bus: EventBus,
  seq: number,
): Promise<{ subject: string; duplicate: boolean }> {
  const letter = await showDeadLetter(bus, seq);
  const own = bus.subject('');
  if (letter.subject.includes('deadletter.') || (own !== '' && !letter.subject.startsWith(own)))
    throw new Error(`dead letter #${seq} names subject ${letter.subject} outside this namespace`);
  const ack = await bus.js.publish(letter.subject, letter.payload, {
    msgID: `replay:${deadLetterStream(bus)}:${seq}`,
  });
  await bus.jsm.streams.deleteMessage(deadLetterStream(bus), seq).catch(() => undefined);
  return { subject: letter.subject, duplicate: ack.duplicate };
}

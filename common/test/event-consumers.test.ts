import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  applyOnce,
  ConflictError,
  RetryLaterError,
  type DeadLetter,
  type ServiceRuntime,
} from '../src';
import {
  createTestEnvironment,
  eventually,
  readSubject,
  sleep,
  type TestEnvironment,
} from '../testing';
import { noteAdded, startNotesService } from './fixtures/notes-service';

let env: TestEnvironment;
let runtime: ServiceRuntime;

beforeAll(async () => {
  env = await createTestEnvironment('consumers');
  runtime = await startNotesService(env.env);
});
afterAll(async () => {
  await runtime.close();
  await env.cleanup();
});

const copies = async (id: string) =>
  (
    await runtime.pool.query<{ copies: number }>('SELECT copies FROM note_copies WHERE id = $1', [
      id,
    ])
  ).rows[0]?.copies;

const deadLetters = () =>
  readSubject<DeadLetter>(runtime.bus, 'deadletter.>', runtime.bus.streamName('deadletter'));

describe('idempotent consumers', () => {
  test('when the same event is delivered twice, then consume applies its effect once and runs the after-commit step once', async () => {
    const afterCommit: string[] = [];
    await runtime.consume(
      noteAdded,
      async (event, tx) => {
        await tx.query(
          `INSERT INTO note_copies (id, text) VALUES ($1, $2)
           ON CONFLICT (id) DO UPDATE SET copies = note_copies.copies + 1`,
          [event.data.id, event.data.text],
        );
        return event.data.text;
      },
      { afterCommit: (_event, text) => void afterCommit.push(text) },
    );
    const event = noteAdded.create({ id: randomUUID(), text: 'twice', version: 1 });
    // Two different message ids get past JetStream's de-duplication: a true double delivery.
    await runtime.bus.js.publish(runtime.bus.subject(event.type), JSON.stringify(event), {
      msgID: 'a',
    });
    await runtime.bus.js.publish(runtime.bus.subject(event.type), JSON.stringify(event), {
      msgID: 'b',
    });
    await eventually(async () => {
      const { rows } = await runtime.pool.query(
        'SELECT consumer FROM processed_events WHERE event_id = $1',
        [event.id],
      );
      // The inbox is keyed by the service name.
      expect(rows).toEqual([{ consumer: 'notes' }]);
    });
    await sleep(300);
    expect(await copies(event.data.id)).toBe(1);
    expect(afterCommit).toEqual(['twice']);
  });

  test('when a service consumes the same event type twice, then consume refuses (the two would share one durable)', async () => {
    await expect(runtime.consume(noteAdded, async () => undefined)).rejects.toThrow(
      'notes already consumes notes.note.added',
    );
  });

  test('when applyOnce sees an event id again, then it reports a duplicate and runs nothing', async () => {
    const id = randomUUID();
    let runs = 0;
    const effect = async () => void (runs += 1);
    expect(await applyOnce(runtime.pool, 'copier', id, effect)).toBe('applied');
    expect(await applyOnce(runtime.pool, 'copier', id, effect)).toBe('duplicate');
    expect(runs).toBe(1);
  });

  test('when the same event is published twice with its id, then JetStream stores it once', async () => {
    const event = noteAdded.create({ id: randomUUID(), text: 'dedup', version: 1 });
    const first = await runtime.bus.publish(event);
    const second = await runtime.bus.publish(event);
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
  });
});

describe('failing messages', () => {
  const failing = { attempts: new Map<string, number>() };

  beforeAll(async () => {
    await runtime.bus.subscribe({
      consumer: 'flaky',
      event: noteAdded,
      maxDeliver: 3,
      backoffMs: [50],
      handler: async (event) => {
        const n = (failing.attempts.get(event.data.text) ?? 0) + 1;
        failing.attempts.set(event.data.text, n);
        if (event.data.text === 'fails once' && n === 1)
          throw new RetryLaterError('version 1 not applied yet');
        if (event.data.text === 'always fails') throw new Error('downstream is broken');
      },
    });
  });

  test('when a handler fails once, then the event is redelivered and applied', async () => {
    await runtime.bus.publish(
      noteAdded.create({ id: randomUUID(), text: 'fails once', version: 1 }),
    );
    await eventually(() => expect(failing.attempts.get('fails once')).toBe(2));
  });

  test('when a handler keeps failing, then after maxDeliver the event goes to the dead-letter subject with the reason', async () => {
    const event = noteAdded.create({ id: randomUUID(), text: 'always fails', version: 1 });
    await runtime.bus.publish(event);
    await eventually(async () => {
      const letters = (await deadLetters()).filter(
        (l) => l.consumer === 'flaky' && l.payload.includes(event.id),
      );
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ reason: 'downstream is broken', deliveryCount: 3 });
    });
    await sleep(300);
    expect(failing.attempts.get('always fails')).toBe(3);
  });

  test('when a message is not valid JSON or breaks the schema, then it is dead-lettered at once and later messages still flow', async () => {
    const subject = runtime.bus.subject(noteAdded.type);
    await runtime.bus.js.publish(subject, '{"not json', { msgID: randomUUID() });
    await runtime.bus.js.publish(
      subject,
      JSON.stringify({ id: 'x', type: noteAdded.type, data: {} }),
      { msgID: randomUUID() },
    );
    const after = noteAdded.create({ id: randomUUID(), text: 'after poison', version: 1 });
    await runtime.bus.publish(after);
    await eventually(() => expect(failing.attempts.get('after poison')).toBe(1));
    await eventually(async () => {
      const letters = (await deadLetters()).filter(
        (l) => l.consumer === 'flaky' && l.reason.startsWith('invalid message'),
      );
      expect(letters.map((l) => l.payload)).toEqual(expect.arrayContaining(['{"not json']));
      expect(letters).toHaveLength(2);
    });
  });
});

describe('request/reply', () => {
  test('when the responder answers or refuses, then the requester gets the value or the same typed error', async () => {
    runtime.bus.reply('rpc.notes.check', z.object({ n: z.number() }), async ({ n }) => {
      if (n < 0) throw new ConflictError('negative numbers are not allowed', 'negative');
      return { double: n * 2 };
    });
    await expect(
      runtime.bus.request('rpc.notes.check', { n: 21 }, z.object({ double: z.number() })),
    ).resolves.toEqual({ double: 42 });
    await expect(runtime.bus.request('rpc.notes.check', { n: -1 }, z.any())).rejects.toMatchObject({
      status: 409,
      code: 'negative',
    });
    await expect(runtime.bus.request('rpc.notes.check', { n: 'x' }, z.any())).rejects.toMatchObject(
      { status: 400 },
    );
    await expect(runtime.bus.request('rpc.notes.nobody', {}, z.any(), 300)).rejects.toMatchObject({
      status: 503,
    });
  });
});

describe('outages are not poison', () => {
  test('when a handler fails with a dependency outage more often than maxDeliver, then the event is retried, never dead-lettered, and applied once the dependency is back', async () => {
    const attempts = new Map<string, number>();
    await runtime.bus.subscribe({
      consumer: 'outage',
      event: noteAdded,
      maxDeliver: 2,
      backoffMs: [50],
      handler: async (event) => {
        const n = (attempts.get(event.id) ?? 0) + 1;
        attempts.set(event.id, n);
        if (n <= 4)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
            code: 'ECONNREFUSED',
          });
      },
    });
    const event = noteAdded.create({ id: randomUUID(), text: 'outage', version: 1 });
    await runtime.bus.publish(event);
    await eventually(() => expect(attempts.get(event.id)).toBe(5), 15_000);
    const letters = (await deadLetters()).filter(
      (l) => l.consumer === 'outage' && l.payload.includes(event.id),
    );
    expect(letters).toEqual([]);
  });

  test('when the durable consumer is deleted on the server, then its loop re-creates it, later events flow and readiness shows it running again', async () => {
    const seen: string[] = [];
    await runtime.bus.subscribe({
      consumer: 'phoenix',
      event: noteAdded,
      handler: async (event) => void seen.push(event.data.text),
    });
    const durable = runtime.bus.durableName('phoenix', noteAdded.type);
    const state = () => runtime.bus.consumerStates().find((c) => c.durable === durable);
    await eventually(() => expect(state()?.status).toBe('running'));
    await runtime.bus.jsm.consumers.delete(runtime.bus.streamName('notes'), durable);
    await eventually(() => expect(state()?.restarts).toBeGreaterThanOrEqual(1), 15_000);
    await eventually(() => expect(state()?.status).toBe('running'), 15_000);
    await runtime.bus.publish(noteAdded.create({ id: randomUUID(), text: 'reborn', version: 1 }));
    await eventually(() => expect(seen).toContain('reborn'), 15_000);
    const metrics = await runtime.metrics.registry.metrics();
    expect(metrics).toMatch(
      new RegExp(`event_consumer_up\\{consumer="phoenix",type="notes.note.added"[^}]*\\} 1`),
    );
  });

  test('when the dead-letter stream is gone, then a poison message is kept (nak) and parked once the stream is back, and the loop goes on', async () => {
    const seen: string[] = [];
    await runtime.bus.subscribe({
      consumer: 'parker',
      event: noteAdded,
      handler: async (event) => void seen.push(event.data.text),
    });
    await runtime.bus.jsm.streams.delete(runtime.bus.streamName('deadletter'));
    const poison = `{"poison":"${randomUUID()}"}`;
    await runtime.bus.js.publish(runtime.bus.subject(noteAdded.type), poison, {
      msgID: randomUUID(),
    });
    await runtime.bus.publish(noteAdded.create({ id: randomUUID(), text: 'next', version: 1 }));
    await eventually(() => expect(seen).toContain('next'), 15_000);
    await eventually(async () => {
      const letters = (await deadLetters()).filter(
        (l) => l.consumer === 'parker' && l.payload === poison,
      );
      expect(letters).toHaveLength(1);
    }, 15_000);
  });
});

import { z } from 'zod';
import {
  currentContext,
  defineEvent,
  runWithContext,
  type DeadLetter,
  type EventEnvelope,
  type ObservedMessage,
  type ServiceRuntime,
} from '../src';
import { createTestEnvironment, eventually, readSubject, type TestEnvironment } from '../testing';
import { noteAdded, startNotesService } from './fixtures/notes-service';

let env: TestEnvironment;
let runtime: ServiceRuntime;

beforeAll(async () => {
  env = await createTestEnvironment('observers');
  runtime = await startNotesService(env.env);
});
afterAll(async () => {
  await runtime.close();
  await env.cleanup();
});

const noteRemoved = defineEvent(
  'notes.note.removed',
  z.object({ id: z.string().uuid(), version: z.number().int() }),
  { schemaVersion: 2 },
);
const note = (text: string) => noteAdded.create({ id: crypto.randomUUID(), text, version: 1 });

describe('event metadata', () => {
  test('when an event is created inside a request, then its metadata names the request, producer and schema version', () => {
    const event = runWithContext({ requestId: 'req-1' }, () =>
      noteRemoved.create({ id: crypto.randomUUID(), version: 1 }),
    );
    expect(event.metadata).toEqual({
      correlationId: 'req-1',
      causationId: null,
      requestId: 'req-1',
      producer: 'notes',
      schemaVersion: 2,
    });
  });

  test('when an event is created outside any request, then it starts its own correlation chain', () => {
    const event = note('alone');
    expect(event.metadata?.correlationId).toBe(event.id);
    expect(event.metadata?.requestId).toBeNull();
  });

  test('when an envelope has no metadata (written before it existed), then it still parses', () => {
    const { metadata: _ignored, ...old } = note('old');
    expect(noteAdded.envelope.parse(old)).toEqual(old);
  });

  test('when a consumer handles an event and creates another, then the new one is caused by it and shares its correlation', async () => {
    const seen: EventEnvelope[] = [];
    await runtime.bus.subscribe({
      consumer: 'chain',
      event: noteAdded,
      handler: async () => {
        seen.push(noteRemoved.create({ id: crypto.randomUUID(), version: 1 }));
      },
    });
    const first = runWithContext({ requestId: 'req-chain' }, () => note('chained'));
    await runtime.bus.publish(first);
    await eventually(() => expect(seen).toHaveLength(1));
    expect(seen[0]?.metadata).toMatchObject({
      correlationId: 'req-chain',
      causationId: first.id,
      requestId: 'req-chain',
    });
  });

  test('when a service answers a request, then the handler runs in the caller request context', async () => {
    runtime.bus.reply('rpc.notes.whoami', z.object({}), async () => currentContext() ?? {});
    const answer = await runWithContext({ requestId: 'req-rpc', correlationId: 'corr-rpc' }, () =>
      runtime.bus.request('rpc.notes.whoami', {}, z.record(z.string(), z.string())),
    );
    expect(answer).toMatchObject({ requestId: 'req-rpc', correlationId: 'corr-rpc' });
  });
});

describe('stream observers', () => {
  test('when events of several types are published, then one stream subscription sees them all in batches, acked once handled', async () => {
    const batches: ObservedMessage[][] = [];
    const subscription = await runtime.bus.subscribeStream({
      consumer: 'lake',
      producer: 'notes',
      maxBatch: 10,
      maxWaitMs: 50,
      handleBatch: async (messages) => void batches.push(messages),
    });
    const events = [
      ...Array.from({ length: 25 }, (_, i) => note(`n${i}`)),
      noteRemoved.create({ id: crypto.randomUUID(), version: 1 }),
    ];
    for (const event of events) await runtime.bus.publish(event);
    await eventually(async () => expect(await subscription.pending()).toBe(0));
    const seen = batches.flat();
    expect(seen.map((m) => (m.payload as EventEnvelope).id)).toEqual(
      expect.arrayContaining(events.map((e) => e.id)),
    );
    expect(new Set(seen.map((m) => m.subject))).toEqual(
      new Set(['notes.note.added', 'notes.note.removed']),
    );
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(10);
    await subscription.close();
  });

  test('when a batch fails, then every message in it is redelivered, and garbage is dead-lettered at once', async () => {
    let failures = 1;
    const handled: string[] = [];
    const subscription = await runtime.bus.subscribeStream({
      consumer: 'flaky',
      producer: 'notes',
      backoffMs: [50],
      handleBatch: async (messages) => {
        if (failures-- > 0) throw new Error('disk full');
        for (const m of messages) handled.push(m.subject);
      },
    });
    await eventually(async () => expect(await subscription.pending()).toBe(0), 10_000);
    const before = handled.length;
    expect(before).toBeGreaterThan(0);
    // Not JSON: it can never succeed, so it is parked instead of retried.
    const nc = (runtime.bus as unknown as { nc: { publish(s: string, d: string): void } }).nc;
    nc.publish(runtime.bus.subject('notes.note.added'), '{not json');
    await eventually(async () => {
      const letters = await readSubject<DeadLetter>(
        runtime.bus,
        'deadletter.flaky.>',
        runtime.bus.streamName('deadletter'),
      );
      expect(letters.map((l) => l.payload)).toContain('{not json');
    });
    expect(handled).toHaveLength(before);
    await subscription.close();
  });

  test('when a replay subscription starts, then it delivers the stream from its first message again', async () => {
    const seqs: number[] = [];
    const replay = await runtime.bus.subscribeStream({
      consumer: 'rebuild',
      producer: 'notes',
      replay: true,
      handleBatch: async (messages) => void seqs.push(...messages.map((m) => m.streamSeq)),
    });
    await eventually(async () => expect(await replay.pending()).toBe(0));
    expect(seqs[0]).toBe(1);
    await replay.close();
  });

  test("when an observer's durable consumer is deleted on the server, then its loop re-creates it, later events flow, readiness shows it running, and closing removes it", async () => {
    const seen: string[] = [];
    const subscription = await runtime.bus.subscribeStream({
      consumer: 'phoenix-observer',
      producer: 'notes',
      maxWaitMs: 20,
      handleBatch: async (messages) => {
        for (const m of messages)
          seen.push((m.payload as EventEnvelope<string, { text: string }>).data.text);
      },
    });
    const durable = runtime.bus.durableName('phoenix-observer', 'notes.>');
    const state = () => runtime.bus.consumerStates().find((c) => c.durable === durable);
    await eventually(() => expect(state()?.status).toBe('running'));
    await runtime.bus.publish(note('before'));
    await eventually(() => expect(seen).toContain('before'));

    await runtime.bus.jsm.consumers.delete(runtime.bus.streamName('notes'), durable);
    await eventually(() => expect(state()?.restarts).toBeGreaterThanOrEqual(1), 15_000);
    await eventually(() => expect(state()?.status).toBe('running'), 15_000);
    await runtime.bus.publish(note('after'));
    await eventually(() => expect(seen).toContain('after'), 15_000);
    const metrics = await runtime.metrics.registry.metrics();
    expect(metrics).toMatch(
      new RegExp(`event_consumer_up\\{consumer="phoenix-observer",type="notes\\.>"[^}]*\\} 1`),
    );

    await subscription.close();
    expect(state()).toBeUndefined();
  }, 30_000);
});

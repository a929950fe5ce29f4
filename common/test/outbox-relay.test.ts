import { randomUUID } from 'node:crypto';
import {
  createTestEnvironment,
  eventually,
  readSubject,
  sleep,
  type TestEnvironment,
} from '../testing';
import { changeRowsWithEvents, type ServiceRuntime } from '../src';
import { addNote, noteAdded, startNotesService } from './fixtures/notes-service';

let env: TestEnvironment;
const runtimes: ServiceRuntime[] = [];
const start = async (options?: { startRelay?: boolean }) => {
  const runtime = await startNotesService(env.env, options);
  runtimes.push(runtime);
  return runtime;
};

beforeAll(async () => {
  env = await createTestEnvironment('outbox');
});
afterAll(async () => {
  for (const r of runtimes) await r.close();
  await env.cleanup();
});

const published = async (runtime: ServiceRuntime, id: string) =>
  (await readSubject<{ id: string }>(runtime.bus, noteAdded.type)).filter((e) => e.id === id);

describe('transactional outbox', () => {
  test('when a change commits with its event, then the relay publishes it once and marks it', async () => {
    const runtime = await start();
    const event = await addNote(runtime, 'hello');
    await eventually(async () => expect(await published(runtime, event.id)).toHaveLength(1), 3000);
    const { rows } = await runtime.pool.query('SELECT published_at FROM outbox WHERE id = $1', [
      event.id,
    ]);
    expect(rows[0].published_at).not.toBeNull();
    await runtime.close();
  });

  test('when the transaction rolls back, then neither the change nor its event exist', async () => {
    const runtime = await start();
    await expect(addNote(runtime, 'doomed', { fail: true })).rejects.toThrow('business rule');
    const { rows } = await runtime.pool.query(
      "SELECT count(*)::int AS n FROM outbox o JOIN notes n ON n.text = 'doomed' ",
    );
    expect(rows[0].n).toBe(0);
    const { rows: outbox } = await runtime.pool.query(
      "SELECT count(*)::int AS n FROM outbox WHERE payload->'data'->>'text' = 'doomed'",
    );
    expect(outbox[0].n).toBe(0);
    await runtime.close();
  });

  test('when the relay is down between commit and publish, then a restarted relay publishes exactly once', async () => {
    const down = await start({ startRelay: false });
    const event = await addNote(down, 'written while the relay is down');
    await sleep(500);
    expect(await published(down, event.id)).toHaveLength(0);
    await down.close();

    const restarted = await start();
    await eventually(
      async () => expect(await published(restarted, event.id)).toHaveLength(1),
      3000,
    );
    await restarted.close();
  });

  test('when the relay dies after publishing but before marking, then the re-publish is dropped as a duplicate', async () => {
    const runtime = await start();
    const event = await addNote(runtime, 'published, mark lost');
    await eventually(async () => expect(await published(runtime, event.id)).toHaveLength(1), 3000);
    await runtime.relay.stop();
    // The state a crash between publish and mark leaves behind.
    await runtime.pool.query('UPDATE outbox SET published_at = NULL WHERE id = $1', [event.id]);
    await runtime.close();

    const restarted = await start();
    await eventually(async () => {
      const { rows } = await restarted.pool.query('SELECT published_at FROM outbox WHERE id = $1', [
        event.id,
      ]);
      expect(rows[0].published_at).not.toBeNull();
    }, 3000);
    expect(await published(restarted, event.id)).toHaveLength(1);
    await restarted.close();
  });

  test('when two relays run on one outbox, then every event is published once', async () => {
    const a = await start();
    const b = await start();
    const events = await Promise.all(
      Array.from({ length: 40 }, (_, i) => addNote(i % 2 ? a : b, `note ${i}`)),
    );
    await eventually(async () => {
      const all = await readSubject<{ id: string }>(a.bus, noteAdded.type);
      const ids = new Set(events.map((e) => e.id));
      expect(all.filter((e) => ids.has(e.id))).toHaveLength(events.length);
    }, 5000);
    await a.close();
    await b.close();
  });

  test('when one statement changes many rows under their guards, then exactly the changed rows get their events, completed from the row, and they are published', async () => {
    const runtime = await start();
    const rows = [
      { id: randomUUID(), text: 'bump me' },
      { id: randomUUID(), text: 'frozen' },
      { id: randomUUID(), text: 'bump me too' },
    ];
    await runtime.pool.query(
      'INSERT INTO note_copies (id, text, copies) SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[])',
      [rows.map((r) => r.id), rows.map((r) => r.text), [1, 1, 5]],
    );
    const events = rows.map((r) => ({
      key: r.id,
      event: noteAdded.create({ id: r.id, text: r.text, version: 0 }),
    }));
    const changed = await changeRowsWithEvents<{ id: string; copies: number }>(
      runtime.pool,
      runtime.schema,
      {
        text: "UPDATE note_copies SET copies = copies + 1 WHERE id = ANY($1::uuid[]) AND text <> 'frozen' RETURNING *",
        values: [rows.map((r) => r.id)],
      },
      { keyColumn: 'id', dataFromRow: { version: 'copies' } },
      events,
    );
    expect(changed.map((r) => [r.id, r.copies]).sort()).toEqual(
      [
        [rows[0]!.id, 2],
        [rows[2]!.id, 6],
      ].sort(),
    );
    const { rows: appended } = await runtime.pool.query(
      'SELECT id, payload FROM outbox WHERE id = ANY($1::uuid[])',
      [events.map((e) => e.event.id)],
    );
    expect(
      appended.map((r) => [r.payload.data.id, r.payload.data.version, r.payload.data.text]).sort(),
    ).toEqual(
      [
        [rows[0]!.id, 2, 'bump me'],
        [rows[2]!.id, 6, 'bump me too'],
      ].sort(),
    );
    await eventually(async () => {
      const all = await readSubject<{ id: string; data: { version: number } }>(
        runtime.bus,
        noteAdded.type,
      );
      const mine = all.filter((e) => events.some((x) => x.event.id === e.id));
      expect(mine.map((e) => e.data.version).sort()).toEqual([2, 6]);
    }, 3000);

    // A guard that holds for nobody changes nothing and appends nothing.
    const none = await changeRowsWithEvents(
      runtime.pool,
      runtime.schema,
      {
        text: "UPDATE note_copies SET copies = copies + 1 WHERE id = $1::uuid AND text <> 'frozen' RETURNING *",
        values: [rows[1]!.id],
      },
      { keyColumn: 'id' },
      [{ key: rows[1]!.id, event: noteAdded.create({ id: rows[1]!.id, text: 'x', version: 0 }) }],
    );
    expect(none).toEqual([]);
    await expect(
      changeRowsWithEvents(
        runtime.pool,
        runtime.schema,
        { text: 'SELECT 1', values: [] },
        {
          keyColumn: 'id; DROP TABLE notes',
        },
        [],
      ),
    ).rejects.toThrow('not a column name');
    await runtime.close();
  });
});

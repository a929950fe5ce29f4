import { randomUUID } from 'node:crypto';
import type { ServiceRuntime } from '../src';
import { createTestEnvironment, type TestEnvironment } from '../testing';
import { addNote, startNotesService } from './fixtures/notes-service';

let env: TestEnvironment;
let runtime: ServiceRuntime;

beforeAll(async () => {
  env = await createTestEnvironment('retention');
  runtime = await startNotesService({ ...env.env, RETENTION_INTERVAL_MS: '0' });
});
afterAll(async () => {
  await runtime.close();
  await env.cleanup();
});

const count = async (sql: string) => (await runtime.pool.query(sql)).rows[0].n as number;

test('when outbox and inbox rows are past their window, then the retention pass deletes them and keeps everything younger or unpublished', async () => {
  await runtime.relay.stop();
  const old = await addNote(runtime, 'published long ago');
  const pending = await addNote(runtime, 'never published, old');
  const fresh = await addNote(runtime, 'published just now');
  await runtime.pool.query(
    `UPDATE outbox SET published_at = now() - interval '40 days', created_at = now() - interval '40 days' WHERE id = $1`,
    [old.id],
  );
  await runtime.pool.query(
    `UPDATE outbox SET created_at = now() - interval '40 days' WHERE id = $1`,
    [pending.id],
  );
  await runtime.pool.query(`UPDATE outbox SET published_at = now() WHERE id = $1`, [fresh.id]);
  const [oldEvent, freshEvent] = [randomUUID(), randomUUID()];
  await runtime.pool.query(
    `INSERT INTO processed_events (consumer, event_id, processed_at)
     VALUES ('notes', $1, now() - interval '36 days'), ('notes', $2, now() - interval '1 day')`,
    [oldEvent, freshEvent],
  );

  const deleted = await runtime.retention.runOnce();
  expect(deleted).toMatchObject({ outbox: 1, processed_events: 1 });
  const { rows } = await runtime.pool.query('SELECT id FROM outbox ORDER BY seq');
  expect(rows.map((r) => r.id)).toEqual([pending.id, fresh.id]);
  expect(
    await count(`SELECT count(*)::int AS n FROM processed_events WHERE event_id = '${freshEvent}'`),
  ).toBe(1);
  expect(
    await count(`SELECT count(*)::int AS n FROM processed_events WHERE event_id = '${oldEvent}'`),
  ).toBe(0);
});

test('when a rule names something that is not a plain identifier, then it is refused before any SQL runs', () => {
  expect(() =>
    runtime.retention.retain({
      table: 'outbox; DROP TABLE notes',
      column: 'created_at',
      keepDays: 1,
    }),
  ).toThrow('invalid table or column');
});

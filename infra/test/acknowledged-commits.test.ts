import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { ServiceRuntime } from '@ticketaka/common';
import { createTestEnvironment, eventually, type TestEnvironment } from '@ticketaka/common/testing';
import { addNote, noteAdded, startNotesService } from '../../common/test/fixtures/notes-service';
import { startPrivateServers, type PrivateServers } from '../src/testing/private-servers';

/**
 * The chaos run's lost completion (docs/operations.md): tickets applied an
 * orders.order.completed, its inbox transaction committed, the message was acked, and then
 * PostgreSQL was SIGKILLed. The test cluster ran with `synchronous_commit=off`, so crash
 * recovery forgot the commit it had acknowledged: no inbox row, hold still held, and the
 * acked message never came back. This is that interleaving, made certain: a server whose
 * default acknowledges commits before they reach WAL, and flushes WAL only every 10 s;
 * the consumer applies a burst of events, JetStream records every ack, PostgreSQL is
 * SIGKILLed at that moment. Every service connection insists on durable commits
 * (common/src/db/pool.ts), so every acknowledged effect must be there after recovery.
 */
const PORT_OFFSET = 630;
const EVENTS = 25;

let servers: PrivateServers;
let env: TestEnvironment;
let runtime: ServiceRuntime;

const superuser = () =>
  new Client({
    connectionString: env.databaseUrl.replace(/\/[^/]+$/, '/postgres'),
  });

beforeAll(async () => {
  servers = await startPrivateServers({ label: 'acked-commits', portOffset: PORT_OFFSET });
  env = await createTestEnvironment('acked commits', { servers: servers.env });
  const admin = superuser();
  await admin.connect();
  await admin.query(`ALTER SYSTEM SET synchronous_commit = 'off'`);
  await admin.query(`ALTER SYSTEM SET wal_writer_delay = '10s'`);
  await admin.query('SELECT pg_reload_conf()');
  await admin.end();
  runtime = await startNotesService(env.env);
  // The schema is on disk before the test starts: what a crash may lose is the test's writes.
  const checkpoint = superuser();
  await checkpoint.connect();
  await checkpoint.query('CHECKPOINT');
  await checkpoint.end();
}, 120_000);

afterAll(async () => {
  await runtime?.close();
  await env?.cleanup().catch(() => undefined);
  await servers?.stopAll();
}, 60_000);

test('when PostgreSQL is SIGKILLed right after a consumer acked a burst of events and a use case committed its writes, then after recovery every acked event has its effect and inbox row, and every committed write is there', async () => {
  const probe = superuser();
  await probe.connect();
  // The server would acknowledge early; the service's own connections do not.
  expect((await probe.query('SHOW synchronous_commit')).rows[0].synchronous_commit).toBe('off');
  await probe.end();
  expect((await runtime.pool.query('SHOW synchronous_commit')).rows[0].synchronous_commit).toBe(
    'on',
  );

  await runtime.consume(noteAdded, async (event, tx) => {
    await tx.query('INSERT INTO note_copies (id, text) VALUES ($1, $2)', [
      event.data.id,
      event.data.text,
    ]);
  });
  const stream = runtime.bus.streamName('notes');
  const durable = runtime.bus.durableName('notes', noteAdded.type);
  const events = Array.from({ length: EVENTS }, (_, n) =>
    noteAdded.create({ id: randomUUID(), text: `copy ${n}`, version: 1 }),
  );
  let lastSeq = 0;
  for (const event of events) lastSeq = (await runtime.bus.publish(event)).seq;
  // JetStream has every ack: from here on nothing will redeliver these events.
  await eventually(async () => {
    const info = await runtime.bus.jsm.consumers.info(stream, durable);
    expect(info.ack_floor.stream_seq).toBeGreaterThanOrEqual(lastSeq);
  }, 20_000);
  // A use case's commit, answered to its caller just before the crash.
  const written = [];
  for (let n = 0; n < 10; n += 1) written.push(await addNote(runtime, `written ${n}`));

  await servers.kill('postgres');
  await servers.start('postgres');

  const check = new Client({ connectionString: env.databaseUrl });
  await check.connect();
  await check.query(`SET search_path TO ${runtime.schema}`);
  try {
    const copies = await check.query('SELECT id FROM note_copies WHERE id = ANY($1::uuid[])', [
      events.map((e) => e.data.id),
    ]);
    const inbox = await check.query(
      `SELECT event_id FROM processed_events WHERE consumer = 'notes' AND event_id = ANY($1::uuid[])`,
      [events.map((e) => e.id)],
    );
    const notes = await check.query('SELECT id FROM notes WHERE id = ANY($1::uuid[])', [
      written.map((e) => e.data.id),
    ]);
    expect({
      copies: copies.rowCount,
      inbox: inbox.rowCount,
      notes: notes.rowCount,
    }).toEqual({ copies: EVENTS, inbox: EVENTS, notes: written.length });
  } finally {
    await check.end();
  }
}, 90_000);

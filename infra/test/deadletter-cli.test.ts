import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { listDeadLetters, replayDeadLetter, type ServiceRuntime } from '@ticketaka/common';
import { createTestEnvironment, eventually, type TestEnvironment } from '@ticketaka/common/testing';
import { noteAdded, startNotesService } from '../../common/test/fixtures/notes-service';
import { repoRoot } from '../src/paths';

const run = promisify(execFile);

let env: TestEnvironment;
let runtime: ServiceRuntime;

beforeAll(async () => {
  env = await createTestEnvironment('deadletter cli');
  // A service's consumer, wired the one way services wire them: through consume and its inbox.
  runtime = await startNotesService(env.env, { name: 'warehouse', startRelay: false });
});
afterAll(async () => {
  await runtime.close();
  await env.cleanup();
});

const deadletter = async (...args: string[]) =>
  (
    await run(
      path.join(repoRoot, 'node_modules/.bin/tsx'),
      ['infra/src/cli/deadletter.cli.ts', ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, ...env.env },
      },
    )
  ).stdout;

const copies = async (id: string) =>
  (
    await runtime.pool.query<{ copies: number }>('SELECT copies FROM note_copies WHERE id = $1', [
      id,
    ])
  ).rows[0]?.copies;

test('when a message was dead-lettered and its cause is fixed, then `deadletter list` shows it, `replay` puts it back, the consumer applies it exactly once (even delivered again), and the letter is gone', async () => {
  let broken = true;
  await runtime.consume(
    noteAdded,
    async (event, tx) => {
      if (broken) throw new Error('the warehouse rejects notes today');
      await tx.query(
        `INSERT INTO note_copies (id, text) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET copies = note_copies.copies + 1`,
        [event.data.id, event.data.text],
      );
    },
    { maxDeliver: 1 },
  );
  const event = noteAdded.create({ id: randomUUID(), text: 'parcel', version: 1 });
  await runtime.bus.publish(event);

  await eventually(
    async () =>
      expect(await listDeadLetters(runtime.bus, { consumer: 'warehouse' })).toHaveLength(1),
    20_000,
  );
  const listed = await deadletter('list', '--consumer', 'warehouse');
  expect(listed).toContain('1 dead letter(s)');
  expect(listed).toContain('the warehouse rejects notes today');
  const seq = /^\s*(\d+)\s/m.exec(listed)?.[1] as string;

  broken = false;
  expect(await deadletter('replay', seq)).toContain(`#${seq} →`);
  await eventually(async () => expect(await copies(event.data.id)).toBe(1));
  expect(await listDeadLetters(runtime.bus, { consumer: 'warehouse' })).toEqual([]);
  await expect(replayDeadLetter(runtime.bus, Number(seq))).rejects.toThrow(
    `no dead letter #${seq}`,
  );
  // The same message once more under another message id (a second replay of a copy, a
  // redelivery after a lost ack): the inbox keeps the effect at one.
  const again = await runtime.bus.js.publish(
    runtime.bus.subject(event.type),
    JSON.stringify(event),
    { msgID: `again:${event.id}` },
  );
  // Handled and acked: the consumer saw it, so a count of one is the inbox's doing.
  await eventually(async () => {
    const info = await runtime.bus.jsm.consumers.info(
      runtime.bus.streamName('notes'),
      runtime.bus.durableName('warehouse', noteAdded.type),
    );
    expect(info.ack_floor.stream_seq).toBeGreaterThanOrEqual(again.seq);
  });
  expect(await copies(event.data.id)).toBe(1);
  const { rows } = await runtime.pool.query(
    'SELECT consumer FROM processed_events WHERE event_id = $1',
    [event.id],
  );
  expect(rows).toEqual([{ consumer: 'warehouse' }]);
}, 60_000);

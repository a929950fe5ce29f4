import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { z } from 'zod';
import path from 'node:path';
import {
  createLogger,
  defineEvent,
  EventBus,
  listDeadLetters,
  replayDeadLetter,
} from '@ticketaka/common';
import { createTestEnvironment, eventually, type TestEnvironment } from '@ticketaka/common/testing';
import { repoRoot } from '../src/paths';

const run = promisify(execFile);
const parcelShipped = defineEvent(
  'parcels.parcel.shipped',
  z.object({ id: z.string().uuid(), version: z.number().int() }),
);

let env: TestEnvironment;
let bus: EventBus;

beforeAll(async () => {
  env = await createTestEnvironment('deadletter cli');
  bus = await EventBus.connect({
    servers: env.env.NATS_URL as string,
    namespace: env.namespace,
    service: 'parcels',
    // A made-up producer and consumer: only the admin user may play them.
    user: 'admin',
    logger: createLogger('parcels', { level: 'silent' }),
  });
});
afterAll(async () => {
  await bus.close();
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

test('when a message was dead-lettered and its cause is fixed, then `deadletter list` shows it, `replay` puts it back to the consumer, which applies it, and removes the letter', async () => {
  let broken = true;
  const applied = new Map<string, number>();
  await bus.subscribe({
    consumer: 'warehouse',
    event: parcelShipped,
    maxDeliver: 1,
    handler: async (event) => {
      if (broken) throw new Error('the warehouse rejects parcels today');
      applied.set(event.id, (applied.get(event.id) ?? 0) + 1);
    },
  });
  const event = parcelShipped.create({ id: randomUUID(), version: 1 });
  await bus.publish(event);

  await eventually(
    async () => expect(await listDeadLetters(bus, { consumer: 'warehouse' })).toHaveLength(1),
    20_000,
  );
  const listed = await deadletter('list', '--consumer', 'warehouse');
  expect(listed).toContain('1 dead letter(s)');
  expect(listed).toContain('the warehouse rejects parcels today');
  const seq = /^\s*(\d+)\s/m.exec(listed)?.[1] as string;

  broken = false;
  expect(await deadletter('replay', seq)).toContain(`#${seq} →`);
  // This bare consumer has no inbox; services' consumers de-duplicate a replay with theirs.
  await eventually(() => expect(applied.get(event.id)).toBeGreaterThanOrEqual(1));
  expect(await listDeadLetters(bus, { consumer: 'warehouse' })).toEqual([]);
  await expect(replayDeadLetter(bus, Number(seq))).rejects.toThrow(`no dead letter #${seq}`);
}, 60_000);

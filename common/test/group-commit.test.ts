import { GroupCommit } from '../src/db/group-commit';

/** A write the test releases by hand, recording each batch it was given. */
function gatedWriter<Item>() {
  const batches: Item[][] = [];
  const releases: (() => void)[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const write = async (batch: Item[]) => {
    batches.push(batch);
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    await new Promise<void>((resolve) => releases.push(resolve));
    inFlight -= 1;
    return batch.map((item) => (item === 'refuse' ? new Error('refused') : `ok:${item}`));
  };
  const releaseAll = async () => {
    while (releases.length > 0) {
      releases.splice(0).forEach((release) => release());
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { batches, write, releaseAll, mostInFlight: () => mostInFlight };
}

test('when one item comes alone, then it is written at once as a batch of one', async () => {
  const writer = gatedWriter<string>();
  const commit = new GroupCommit({ write: writer.write, maxBatch: 10 });
  const answer = commit.submit('a');
  expect(writer.batches).toEqual([['a']]);
  await writer.releaseAll();
  await expect(answer).resolves.toBe('ok:a');
  expect(commit.idle).toBe(true);
});

test('when items arrive while a batch is written, then they are the next batch, in order, at most maxBatch each', async () => {
  const writer = gatedWriter<string>();
  const commit = new GroupCommit({ write: writer.write, maxBatch: 3 });
  const answers = ['a', 'b', 'c', 'd', 'e', 'f'].map((item) => commit.submit(item));
  expect(writer.batches).toEqual([['a']]);
  await writer.releaseAll();
  expect(await Promise.all(answers)).toEqual(['ok:a', 'ok:b', 'ok:c', 'ok:d', 'ok:e', 'ok:f']);
  expect(writer.batches).toEqual([['a'], ['b', 'c', 'd'], ['e', 'f']]);
  expect(writer.mostInFlight()).toBe(1);
});

test('when the write refuses one item, then only that one is rejected; when it throws, the whole batch is', async () => {
  const writer = gatedWriter<string>();
  const commit = new GroupCommit({ write: writer.write, maxBatch: 10 });
  const answers = Promise.allSettled(['a', 'refuse', 'b'].map((item) => commit.submit(item)));
  await writer.releaseAll();
  expect(await answers).toEqual([
    { status: 'fulfilled', value: 'ok:a' },
    { status: 'rejected', reason: new Error('refused') },
    { status: 'fulfilled', value: 'ok:b' },
  ]);

  const failing = new GroupCommit<string, string>({
    write: async () => {
      throw new Error('rolled back');
    },
    maxBatch: 10,
  });
  const results = await Promise.allSettled([failing.submit('x'), failing.submit('y')]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  expect(failing.idle).toBe(true);
});

test('when items share a conflict key, then they are never in one batch nor in two batches in flight, while others go concurrently', async () => {
  const writer = gatedWriter<string>();
  const commit = new GroupCommit({
    write: writer.write,
    maxBatch: 10,
    maxConcurrent: 2,
    conflictKey: (item: string) => item.slice(0, 1),
  });
  const answers = ['a1', 'b1', 'a2', 'a3', 'c1', 'b2'].map((item) => commit.submit(item));
  // a1 and b1 each find a free slot and go at once; the rest wait for a slot and their key.
  expect(writer.batches).toEqual([['a1'], ['b1']]);
  await writer.releaseAll();
  expect(await Promise.all(answers)).toHaveLength(6);
  for (const batch of writer.batches) {
    const keys = batch.map((item) => item.slice(0, 1));
    expect(new Set(keys).size).toBe(keys.length);
  }
  expect(writer.batches.flat().sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'c1']);
  expect(writer.mostInFlight()).toBe(2);
});

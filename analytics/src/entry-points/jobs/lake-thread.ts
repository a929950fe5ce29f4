import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '@ticketaka/common';
import type { LakeWorkerData, LakeWorkerReply, LakeWorkerRequest } from './lake-worker';

const RESTART_DELAY_MS = 1000;

/**
 * Starts the lake thread (`lake-worker.ts`) and keeps it running: if it dies it is started
 * again after a second. `runNow` asks it for a flush (and compaction) and resolves when
 * that is done; `stop` lets it write the last batches and end. Same interface as
 * `startLakeWriter`, which it runs on the other side.
 */
export function startLakeThread(data: LakeWorkerData, logger: Logger) {
  let worker: Worker | undefined;
  let ready: Promise<void> = Promise.resolve();
  let stopping = false;
  let nextId = 0;
  const waiting = new Map<number, () => void>();

  const spawn = () => {
    const current = newWorker(data);
    worker = current;
    ready = new Promise<void>((resolve, reject) => {
      current.on('message', (message: LakeWorkerReply) => {
        if (message.type === 'ready') resolve();
        if (message.type === 'failed') reject(new Error(message.message));
        if (message.type === 'flushed') {
          waiting.get(message.id)?.();
          waiting.delete(message.id);
        }
      });
    });
    ready.catch((err) => logger.error({ err }, 'lake thread did not start'));
    current.on('error', (err) => logger.error({ err }, 'lake thread failed'));
    current.on('exit', (code) => {
      // A flush in flight when the thread died is not done: its waiters resolve now and the
      // staged rows are written by the next thread.
      for (const done of waiting.values()) done();
      waiting.clear();
      if (stopping) return;
      logger.error({ code }, 'lake thread ended; starting it again');
      setTimeout(() => {
        if (!stopping) spawn();
      }, RESTART_DELAY_MS).unref();
    });
  };
  spawn();

  const send = (request: LakeWorkerRequest) => worker?.postMessage(request);
  return {
    /** Resolves once the thread is up (the composition root fails fast if it cannot start). */
    started: () => ready,
    runNow: async () => {
      await ready;
      const id = nextId++;
      const done = new Promise<void>((resolve) => waiting.set(id, resolve));
      send({ type: 'flush', id });
      await done;
    },
    stop: async () => {
      stopping = true;
      const current = worker;
      if (!current) return;
      const ended = new Promise<void>((resolve) => current.once('exit', () => resolve()));
      await ready.catch(() => undefined);
      send({ type: 'stop' });
      await Promise.race([ended, new Promise((r) => setTimeout(r, 30_000))]);
      await current.terminate();
    },
  };
}

/**
 * Compiled (production) the thread runs `lake-worker.js`; run from TypeScript sources (tsx
 * locally, jest's in-process services) the thread has no TypeScript loader of its own, so
 * it registers tsx before loading `lake-worker.ts`.
 */
function newWorker(data: LakeWorkerData): Worker {
  const file = path.join(__dirname, `lake-worker${path.extname(__filename)}`);
  if (file.endsWith('.js')) return new Worker(file, { workerData: data });
  const tsx = require.resolve('tsx/cjs', { paths: [__dirname] });
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(file)});`, {
    eval: true,
    workerData: data,
  });
}

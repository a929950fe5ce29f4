import { ServiceUnavailableError } from '@ticketaka/common';

/**
 * Caps concurrent CPU- and memory-heavy work (Argon2: 19 MiB and tens of ms each). Beyond
 * `concurrency`, callers wait in a bounded queue; when the queue is full, or a caller would
 * wait longer than `maxWaitMs`, the request is refused at once with 503 + Retry-After
 * rather than piling up until every fan's sign-in times out.
 */
export function createWorkGate(options: {
  concurrency: number;
  queueLimit: number;
  maxWaitMs: number;
}) {
  let running = 0;
  const waiting: { start: () => void; timer: NodeJS.Timeout }[] = [];

  const busy = () =>
    new ServiceUnavailableError(
      'Sign-in is very busy right now, try again in a few seconds',
      'busy',
      2,
    );

  function release() {
    running--;
    const next = waiting.shift();
    if (next) {
      clearTimeout(next.timer);
      next.start();
    }
  }

  return {
    get running() {
      return running;
    },
    get queued() {
      return waiting.length;
    },
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (running >= options.concurrency) {
        if (waiting.length >= options.queueLimit) throw busy();
        await new Promise<void>((resolve, reject) => {
          const entry = {
            start: () => resolve(),
            timer: setTimeout(() => {
              waiting.splice(waiting.indexOf(entry), 1);
              reject(busy());
            }, options.maxWaitMs),
          };
          waiting.push(entry);
        });
      }
      running++;
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}

export type WorkGate = ReturnType<typeof createWorkGate>;

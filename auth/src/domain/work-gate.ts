import { ServiceUnavailableError, TooManyRequestsError } from '@ticketaka/common';

interface Waiting {
  source: string;
  start: () => void;
  refuse: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Caps concurrent CPU- and memory-heavy work (Argon2: 19 MiB and tens of ms each), fairly
 * between sources (client addresses). Beyond `concurrency`, callers wait; the waiting are
 * served one source after another (round robin), so a source with fifty requests queued
 * delays a fan's single sign-in by one turn, not by fifty. Refusals go to whoever takes more
 * than its share:
 * - a source with `perSourceQueue` requests already waiting gets 429 + Retry-After;
 * - when the whole queue (`queueLimit`) is full, the newest request of the source with the
 *   most waiting is dropped (429) to make room, unless the newcomer's own source already
 *   has as many waiting: then everyone is at their share and the newcomer gets 503 busy;
 * - a caller that would wait longer than `maxWaitMs` gets 503 busy (the process is
 *   overloaded for everyone) rather than piling up until every sign-in times out.
 */
export function createWorkGate(options: {
  concurrency: number;
  queueLimit: number;
  maxWaitMs: number;
  /** Waiting requests one source may have at a time (default: the whole queue). */
  perSourceQueue?: number;
}) {
  const perSource = options.perSourceQueue ?? options.queueLimit;
  let running = 0;
  let queued = 0;
  // Insertion order is the round robin: a served source moves to the back.
  const bySource = new Map<string, Waiting[]>();

  const busy = () =>
    new ServiceUnavailableError(
      'Sign-in is very busy right now, try again in a few seconds',
      'busy',
      2,
    );
  const overShare = () =>
    new TooManyRequestsError(
      'Too many sign-in attempts from your network at once, try again in a few seconds',
      'rate_limited',
      2,
    );

  function remove(entry: Waiting) {
    const list = bySource.get(entry.source);
    if (!list) return;
    const at = list.indexOf(entry);
    if (at < 0) return;
    list.splice(at, 1);
    queued--;
    if (list.length === 0) bySource.delete(entry.source);
  }

  function next(): Waiting | undefined {
    const first = bySource.entries().next();
    if (first.done) return undefined;
    const [source, list] = first.value;
    const entry = list.shift();
    queued--;
    bySource.delete(source);
    if (list.length > 0) bySource.set(source, list);
    return entry;
  }

  /** A finished run hands its slot straight to the next waiting caller, if any. */
  function release() {
    const entry = next();
    if (!entry) return void running--;
    clearTimeout(entry.timer);
    entry.start();
  }

  /** The source with the most requests waiting, if it has more than `than`. */
  function greediest(than: number): Waiting[] | undefined {
    let worst: Waiting[] | undefined;
    for (const list of bySource.values()) if (!worst || list.length > worst.length) worst = list;
    return worst && worst.length > than ? worst : undefined;
  }

  /** Resolves once a slot has been handed over to this caller. */
  function wait(source: string): Promise<void> {
    const own = bySource.get(source)?.length ?? 0;
    if (own >= perSource && perSource < options.queueLimit) return Promise.reject(overShare());
    if (queued >= options.queueLimit) {
      const victim = greediest(own + 1)?.at(-1);
      if (!victim) return Promise.reject(busy());
      remove(victim);
      clearTimeout(victim.timer);
      victim.refuse(overShare());
    }
    return new Promise<void>((resolve, reject) => {
      const entry: Waiting = {
        source,
        start: resolve,
        refuse: reject,
        timer: setTimeout(() => {
          remove(entry);
          reject(busy());
        }, options.maxWaitMs),
      };
      const list = bySource.get(source);
      if (list) list.push(entry);
      else bySource.set(source, [entry]);
      queued++;
    });
  }

  return {
    get running() {
      return running;
    },
    get queued() {
      return queued;
    },
    async run<T>(work: () => Promise<T>, source = 'unknown'): Promise<T> {
      if (running < options.concurrency) running++;
      else await wait(source);
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}

export type WorkGate = ReturnType<typeof createWorkGate>;

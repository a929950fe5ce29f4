/**
 * Group commit: items that arrive while a batch is being written wait and are then written
 * together, so a burst costs one transaction per batch instead of one per item (round trips
 * to PostgreSQL, not locks, were the cost per request in the on-sale and gate profiles). No
 * item waits for a timer: one that finds nothing in flight is written at once, as a batch
 * of one.
 *
 * `write` answers every item of its batch, in order (an `Error` refuses that item alone);
 * if it throws, the batch rolled back as a whole and every item of it gets the error. Items
 * sharing a `conflictKey` are never in the same batch nor in two batches in flight, so
 * concurrent batches never lock the same rows in different orders.
 */
export interface GroupCommitOptions<Item, Answer> {
  write(batch: Item[]): Promise<(Answer | Error)[]>;
  /** Items written in one batch at most. */
  maxBatch: number;
  /** Batches in flight at once (1: strictly one after the other). */
  maxConcurrent?: number;
  conflictKey?: (item: Item) => string;
}

interface Waiting<Item, Answer> {
  item: Item;
  key: string | undefined;
  resolve(answer: Answer): void;
  reject(error: unknown): void;
}

export class GroupCommit<Item, Answer> {
  private readonly waiting: Waiting<Item, Answer>[] = [];
  private readonly inFlight = new Set<string>();
  private running = 0;

  constructor(private readonly options: GroupCommitOptions<Item, Answer>) {}

  submit(item: Item): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      this.waiting.push({ item, key: this.options.conflictKey?.(item), resolve, reject });
      this.pump();
    });
  }

  /** Nothing waiting and nothing being written. */
  get idle(): boolean {
    return this.running === 0 && this.waiting.length === 0;
  }

  private pump() {
    const maxConcurrent = this.options.maxConcurrent ?? 1;
    while (this.running < maxConcurrent && this.waiting.length > 0) {
      const batch = this.nextBatch();
      if (batch.length === 0) return;
      this.running += 1;
      void this.write(batch).finally(() => {
        for (const { key } of batch) if (key !== undefined) this.inFlight.delete(key);
        this.running -= 1;
        this.pump();
      });
    }
  }

  /** The oldest waiting items whose keys are free, at most maxBatch; the rest keep their places. */
  private nextBatch(): Waiting<Item, Answer>[] {
    const batch: Waiting<Item, Answer>[] = [];
    for (let i = 0; i < this.waiting.length && batch.length < this.options.maxBatch;) {
      const entry = this.waiting[i] as Waiting<Item, Answer>;
      if (entry.key !== undefined && this.inFlight.has(entry.key)) {
        i += 1;
        continue;
      }
      if (entry.key !== undefined) this.inFlight.add(entry.key);
      batch.push(entry);
      this.waiting.splice(i, 1);
    }
    return batch;
  }

  private async write(batch: Waiting<Item, Answer>[]) {
    try {
      const answers = await this.options.write(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => {
        const answer = answers[i];
        if (answer instanceof Error) entry.reject(answer);
        else entry.resolve(answer as Answer);
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}

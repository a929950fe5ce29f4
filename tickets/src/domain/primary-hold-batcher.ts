import { currentContext, type HoldResponse, type RequestContext } from '@ticketaka/common';
import type { PrimaryHoldRequest } from './hold-batch';

export interface QueuedHold {
  request: PrimaryHoldRequest;
  /** The asking request's context: its hold.placed event names it as the cause. */
  context: RequestContext | undefined;
  resolve(answer: HoldResponse): void;
  reject(error: unknown): void;
}

/**
 * Group commit for one hot category. Requests that arrive while a batch is being decided wait
 * for it and are then decided together in one transaction, so a burst costs one transaction
 * per batch instead of one per request (the on-sale benchmark's profile: round trips to
 * PostgreSQL were the cost, not the row lock). No request waits for a timer: a lone request
 * is decided at once, as a batch of one.
 */
export class PrimaryHoldBatcher {
  private readonly queues = new Map<string, QueuedHold[]>();

  constructor(
    private readonly decide: (batch: QueuedHold[]) => Promise<void>,
    private readonly maxBatch = 200,
  ) {}

  place(request: PrimaryHoldRequest): Promise<HoldResponse> {
    return new Promise<HoldResponse>((resolve, reject) => {
      const key = `${request.matchNumber}:${request.category}`;
      const entry = { request, context: currentContext(), resolve, reject };
      const queue = this.queues.get(key);
      if (queue) {
        queue.push(entry);
        return;
      }
      const fresh = [entry];
      this.queues.set(key, fresh);
      void this.drain(key, fresh);
    });
  }

  /** One batch at a time per category; whatever queued meanwhile is the next batch. */
  private async drain(key: string, queue: QueuedHold[]): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, this.maxBatch);
      try {
        await this.decide(batch);
      } catch (error) {
        // The transaction rolled back as a whole: nothing was held for any of them.
        for (const entry of batch) entry.reject(error);
      }
    }
    this.queues.delete(key);
  }
}

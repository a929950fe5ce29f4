/** What lands on `deadletter.<consumer>.<subject>`: enough to understand and replay it. */
export interface DeadLetter {
  consumer: string;
  subject: string;
  reason: string;
  deliveryCount: number;
  failedAt: string;
  /** The original message body, verbatim (it may not even be JSON). */
  payload: string;
}

/** Thrown by a handler that cannot apply an event yet (e.g. an earlier version is missing). */
export class RetryLaterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

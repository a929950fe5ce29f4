import { ConflictError, NotFoundError, ServiceUnavailableError } from '@ticketaka/common';

/** 409 that also says how many tickets are left, so the client can offer a smaller quantity. */
export class NotEnoughTicketsError extends ConflictError {
  constructor(
    readonly available: number,
    reason: 'not_enough_tickets' | 'listing_unavailable',
  ) {
    const message =
      reason === 'listing_unavailable'
        ? 'This resale ticket is no longer available'
        : `Not enough tickets: ${available} left in this category`;
    super(message, reason, [
      { message, field: reason === 'listing_unavailable' ? 'ticketId' : 'quantity' },
    ]);
    this.name = 'NotEnoughTicketsError';
  }

  override toBody() {
    return { errors: super.toBody().errors.map((e) => ({ ...e, available: this.available })) };
  }
}

export class FanLimitError extends ConflictError {
  constructor(limit: number, alreadyCounted: number, matchNumber: number) {
    const message = `At most ${limit} tickets per fan for match ${matchNumber}; you already have ${alreadyCounted} in live or paid orders`;
    super(message, 'fan_limit_reached', [{ message, field: 'quantity' }]);
    this.name = 'FanLimitError';
  }
}

/** Another fan's order answers exactly like a missing one, so order ids reveal nothing. */
export const orderNotFound = () => new NotFoundError('No order with this id', 'order_not_found');

export const holdUnavailable = (cause: string) =>
  new ServiceUnavailableError(
    `The ticket shop did not confirm the hold (${cause}); retry with the same Idempotency-Key`,
    'hold_unavailable',
  );

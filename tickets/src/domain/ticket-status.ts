import { ConflictError, ticketsEvents } from '@ticketaka/common';

export type TicketStatus = ticketsEvents.TicketStatus;

/**
 * The issued ticket's life, and the only place that says which moves exist:
 *   valid → listed (for resale) → locked (a buyer is in checkout) → transferred (valid again,
 *   for the buyer) or back to listed (the checkout ended); listed → valid (withdrawn);
 *   valid → checked_in (admitted at the gate); any → void (refund, match cancelled).
 * `void` is final. Every move is applied in SQL guarded by the expected status and version
 * (ticket.repository `moveTicket`), so two racing moves cannot both win.
 */
export type TicketMove = 'list' | 'withdraw' | 'lock' | 'unlock' | 'transfer' | 'check_in' | 'void';

const moves: Readonly<Record<TicketMove, { from: readonly TicketStatus[]; to: TicketStatus }>> = {
  list: { from: ['valid'], to: 'listed' },
  withdraw: { from: ['listed'], to: 'valid' },
  lock: { from: ['listed'], to: 'locked' },
  unlock: { from: ['locked'], to: 'listed' },
  transfer: { from: ['locked'], to: 'valid' },
  check_in: { from: ['valid'], to: 'checked_in' },
  void: { from: ['valid', 'listed', 'locked', 'checked_in'], to: 'void' },
};

export class IllegalTicketMoveError extends ConflictError {
  constructor(
    readonly move: TicketMove,
    readonly from: TicketStatus,
  ) {
    super(
      `A ${from.replace('_', ' ')} ticket cannot ${move.replace('_', ' ')}`,
      'illegal_ticket_move',
    );
    this.name = 'IllegalTicketMoveError';
  }
}

export const canMove = (from: TicketStatus, move: TicketMove): boolean =>
  moves[move].from.includes(from);

/** The status a move leads to, or an IllegalTicketMoveError when it is not allowed from `from`. */
export function decideMove(from: TicketStatus, move: TicketMove): TicketStatus {
  if (!canMove(from, move)) throw new IllegalTicketMoveError(move, from);
  return moves[move].to;
}

/** The statuses from which a move may start, for the SQL guard. */
export const movableFrom = (move: TicketMove): readonly TicketStatus[] => moves[move].from;
export const statusAfter = (move: TicketMove): TicketStatus => moves[move].to;

export const isFinal = (status: TicketStatus): boolean => status === 'void';

/** A listing's open status and the ticket status it implies; the database checks they agree. */
export const ticketStatusForListing = { active: 'listed', locked: 'locked' } as const;

/** Why the gate refuses a ticket in each status other than valid. */
export type GateRefusal = 'already_admitted' | 'ticket_void' | 'ticket_in_resale';

export function gateRefusal(status: TicketStatus): GateRefusal | null {
  switch (status) {
    case 'valid':
      return null;
    case 'checked_in':
      return 'already_admitted';
    case 'void':
      return 'ticket_void';
    case 'listed':
    case 'locked':
      return 'ticket_in_resale';
    default:
      return assertNever(status);
  }
}

function assertNever(value: never): never {
  throw new Error(`Unknown ticket status ${String(value)}`);
}

import {
  canMove,
  decideMove,
  gateRefusal,
  IllegalTicketMoveError,
  isFinal,
  type TicketMove,
  type TicketStatus,
} from '../src/domain/ticket-status';

const statuses: TicketStatus[] = ['valid', 'listed', 'locked', 'checked_in', 'void'];
const allMoves: TicketMove[] = [
  'list',
  'withdraw',
  'lock',
  'unlock',
  'transfer',
  'check_in',
  'void',
];

/** Every legal (from, move) → to; everything not here must be refused. */
const legal: Record<string, TicketStatus> = {
  'valid list': 'listed',
  'listed withdraw': 'valid',
  'listed lock': 'locked',
  'locked unlock': 'listed',
  'locked transfer': 'valid',
  'valid check_in': 'checked_in',
  'valid void': 'void',
  'listed void': 'void',
  'locked void': 'void',
  'checked_in void': 'void',
};

const pairs = statuses.flatMap((from) => allMoves.map((move) => [from, move] as const));

describe('ticket lifecycle', () => {
  test.each(pairs)('when a %s ticket is asked to %s, then the rule table decides', (from, move) => {
    const to = legal[`${from} ${move}`];
    expect(canMove(from, move)).toBe(to !== undefined);
    if (to) expect(decideMove(from, move)).toBe(to);
    else expect(() => decideMove(from, move)).toThrow(IllegalTicketMoveError);
  });

  test('when a ticket is void, then it is final and nothing moves it again', () => {
    expect(isFinal('void')).toBe(true);
    expect(statuses.filter(isFinal)).toEqual(['void']);
    for (const move of allMoves) expect(canMove('void', move)).toBe(false);
  });

  test('when the gate sees each status, then only a valid ticket has no refusal', () => {
    expect(statuses.map((s) => [s, gateRefusal(s)])).toEqual([
      ['valid', null],
      ['listed', 'ticket_in_resale'],
      ['locked', 'ticket_in_resale'],
      ['checked_in', 'already_admitted'],
      ['void', 'ticket_void'],
    ]);
  });

  test('when a move is refused, then the error is a 409 naming the move', () => {
    const error = (() => {
      try {
        decideMove('checked_in', 'list');
      } catch (e) {
        return e as IllegalTicketMoveError;
      }
    })();
    expect(error).toMatchObject({ status: 409, code: 'illegal_ticket_move' });
    expect(error?.message).toBe('A checked in ticket cannot list');
  });
});

import { categoryId, decide, type CategoryCounts, type Holding } from '../src/domain/ledger';
import type { SaleAction } from '../src/domain/wire-format';

/** Replays a log through the ledger the way every platform does, returning each decision. */
function replay(
  capacity: number,
  log: { platform: string; action: SaleAction; quantity: number }[],
) {
  const categories = new Map<string, CategoryCounts>([
    [
      categoryId(1, 1),
      { matchNumber: 1, category: 1, capacity, available: capacity, pending: capacity },
    ],
  ]);
  const holdings = new Map<string, Holding>();
  const outcomes: string[] = [];
  for (const message of log) {
    const mine = new Map(
      [...holdings]
        .filter(([key]) => key.startsWith(`${message.platform}|`))
        .map(([key, h]) => [key.split('|')[1] as string, h]),
    );
    const step = decide(
      {
        action: message.action,
        platform: message.platform,
        matchNumber: 1,
        lines: [{ category: 1, quantity: message.quantity }],
      },
      categories,
      mine,
    );
    for (const c of step.categories) categories.set(categoryId(c.matchNumber, c.category), c);
    for (const h of step.holdings)
      holdings.set(`${h.platform}|${categoryId(h.matchNumber, h.category)}`, h);
    outcomes.push(step.decision.outcome);
  }
  return { outcomes, counts: categories.get(categoryId(1, 1)), holdings };
}

describe('the partner ledger', () => {
  it('when two platforms ask for the last tickets, then the first in the log is granted and the second is void', () => {
    const { outcomes, counts } = replay(3, [
      { platform: 'ticketaka', action: 'TICKET_PENDING', quantity: 2 },
      { platform: 'partner', action: 'TICKET_PENDING', quantity: 2 },
      { platform: 'partner', action: 'TICKET_PENDING', quantity: 1 },
    ]);

    expect(outcomes).toEqual(['granted', 'void', 'granted']);
    expect(counts).toMatchObject({ available: 3, pending: 0 });
  });

  it('when a granted hold is reserved, then available drops; when one is cancelled, then pending comes back', () => {
    const { outcomes, counts, holdings } = replay(10, [
      { platform: 'p', action: 'TICKET_PENDING', quantity: 4 },
      { platform: 'p', action: 'TICKET_RESERVED', quantity: 3 },
      { platform: 'p', action: 'TICKET_CANCELLED', quantity: 1 },
    ]);

    expect(outcomes).toEqual(['granted', 'applied', 'applied']);
    expect(counts).toMatchObject({ capacity: 10, available: 7, pending: 7 });
    expect(holdings.get('p|1/1')).toMatchObject({ held: 0, sold: 3 });
  });

  it('when a platform reserves or cancels more than it holds, then it is refused and nothing changes', () => {
    const { outcomes, counts } = replay(5, [
      { platform: 'honest', action: 'TICKET_PENDING', quantity: 2 },
      { platform: 'hostile', action: 'TICKET_CANCELLED', quantity: 2 },
      { platform: 'hostile', action: 'TICKET_RESERVED', quantity: 1 },
      { platform: 'hostile', action: 'TICKET_PENDING', quantity: 1 },
      { platform: 'hostile', action: 'TICKET_CANCELLED', quantity: 2 },
    ]);

    expect(outcomes).toEqual(['granted', 'refused', 'refused', 'granted', 'refused']);
    expect(counts).toMatchObject({ available: 5, pending: 2 });
  });

  it('when a void hold is reserved afterwards, then the sale is refused: a lost race never sells', () => {
    const { outcomes, counts } = replay(1, [
      { platform: 'a', action: 'TICKET_PENDING', quantity: 1 },
      { platform: 'b', action: 'TICKET_PENDING', quantity: 1 },
      { platform: 'b', action: 'TICKET_RESERVED', quantity: 1 },
      { platform: 'a', action: 'TICKET_RESERVED', quantity: 1 },
    ]);

    expect(outcomes).toEqual(['granted', 'void', 'refused', 'applied']);
    expect(counts).toMatchObject({ available: 0, pending: 0 });
  });

  it('when any random log is replayed, then sold never exceeds capacity and pending never goes below 0', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const actions: SaleAction[] = ['TICKET_PENDING', 'TICKET_RESERVED', 'TICKET_CANCELLED'];
    for (let run = 0; run < 200; run += 1) {
      const log = Array.from({ length: 60 }, () => ({
        platform: ['a', 'b', 'c'][Math.floor(random() * 3)] as string,
        action: actions[Math.floor(random() * 3)] as SaleAction,
        quantity: 1 + Math.floor(random() * 4),
      }));
      const { counts, holdings } = replay(10, log);
      const sold = [...holdings.values()].reduce((sum, h) => sum + h.sold, 0);
      const held = [...holdings.values()].reduce((sum, h) => sum + h.held, 0);
      expect(counts?.pending).toBeGreaterThanOrEqual(0);
      expect(sold).toBeLessThanOrEqual(10);
      expect(counts).toMatchObject({ available: 10 - sold, pending: 10 - sold - held });
    }
  });

  it('when a message names a category the master list does not have, then it is refused as unknown', () => {
    const step = decide(
      {
        action: 'TICKET_PENDING',
        platform: 'p',
        matchNumber: 99,
        lines: [{ category: 1, quantity: 1 }],
      },
      new Map(),
      new Map(),
    );

    expect(step.decision).toMatchObject({ outcome: 'refused', code: 'unknown_match' });
  });
});

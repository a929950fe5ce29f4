import type { CategoryView } from '@ticketaka/contracts';

/** The server-rendered counts a page's live badges start from (keyed "match:category"). */
export const countsOf = (matches: { matchNumber: number; categories: CategoryView[] }[]) =>
  Object.fromEntries(
    matches.flatMap((m) =>
      m.categories.map((c) => [
        `${m.matchNumber}:${c.category}`,
        { available: c.available, pending: c.pending, state: c.state, version: c.version },
      ]),
    ),
  );

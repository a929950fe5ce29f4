'use client';
import type { AvailabilityState } from '@ticketaka/contracts';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { stateLabel } from '../lib/format';

export interface LiveCounts {
  available: number;
  pending: number;
  state: AvailabilityState;
  version: number;
}
type Counts = Record<string, LiveCounts>;
const key = (matchNumber: number, category: number) => `${matchNumber}:${category}`;

const LiveContext = createContext<Counts>({});

/**
 * Holds the live counts of the categories on the page: starts from what the server rendered
 * and applies `GET /api/matches/stream` (snapshot, then one event per change), keeping only
 * versions newer than what it shows. EventSource reconnects by itself after a drop.
 */
export function LiveAvailabilityProvider({
  initial,
  matchNumber,
  children,
}: {
  initial: Counts;
  matchNumber?: number;
  children: ReactNode;
}) {
  const [counts, setCounts] = useState<Counts>(initial);
  useEffect(() => {
    const url = `/api/matches/stream${matchNumber ? `?matchNumber=${matchNumber}` : ''}`;
    let source: EventSource | undefined;
    let stopped = false;
    const apply = (updates: (LiveCounts & { matchNumber: number; category: number })[]) =>
      setCounts((current) => {
        let next = current;
        for (const u of updates) {
          const k = key(u.matchNumber, u.category);
          if ((current[k]?.version ?? -1) >= u.version) continue;
          if (next === current) next = { ...current };
          next[k] = {
            available: u.available,
            pending: u.pending,
            state: u.state,
            version: u.version,
          };
        }
        return next;
      });
    // The schemas (zod) arrive after hydration; the stream opens once they are here, and its
    // snapshot brings every count up to date anyway.
    void import('../lib/availability-schemas').then((schemas) => {
      if (stopped) return;
      source = new EventSource(url);
      source.addEventListener('snapshot', (e) => {
        const parsed = schemas.availabilitySnapshotSchema.safeParse(
          safeJson((e as MessageEvent).data),
        );
        if (parsed.success) apply(parsed.data.categories);
      });
      source.addEventListener('availability', (e) => {
        const parsed = schemas.availabilityUpdateSchema.safeParse(
          safeJson((e as MessageEvent).data),
        );
        if (parsed.success) apply([parsed.data]);
      });
    });
    return () => {
      stopped = true;
      source?.close();
    };
  }, [matchNumber]);
  return <LiveContext.Provider value={counts}>{children}</LiveContext.Provider>;
}

export function useLiveCounts(matchNumber: number, category: number): LiveCounts | undefined {
  return useContext(LiveContext)[key(matchNumber, category)];
}

const icon: Record<AvailabilityState, string> = {
  available: '●',
  temporarily_unavailable: '◐',
  sold_out: '○',
};

/** The state in words and a shape, never colour alone. */
export function LiveBadge({ matchNumber, category }: { matchNumber: number; category: number }) {
  const live = useLiveCounts(matchNumber, category);
  if (!live) return null;
  return (
    <span
      className={`badge ${live.state}`}
      data-testid={`badge-${matchNumber}-${category}`}
      data-state={live.state}
    >
      <span aria-hidden="true">{icon[live.state]}</span>
      {stateLabel[live.state]}
    </span>
  );
}

/** "12 of 20 left" for the match page, updated live. */
export function LiveCount({ matchNumber, category }: { matchNumber: number; category: number }) {
  const live = useLiveCounts(matchNumber, category);
  if (!live) return null;
  return (
    <span data-testid={`count-${matchNumber}-${category}`}>
      {Math.max(0, live.pending)} ready to buy now
      {live.available > live.pending
        ? ` (${live.available - live.pending} held by other fans)`
        : ''}
    </span>
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

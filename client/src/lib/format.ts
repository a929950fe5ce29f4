/** Money as the fan reads it: "USD 220.00" → "$220.00" in English. */
export function money(cents: number, currency: string): string {
  return new Intl.NumberFormat('en', { style: 'currency', currency: currency || 'USD' }).format(
    cents / 100,
  );
}

export const categoryName = (category: number) => `Category ${category}`;

const roundNames: Record<number, string> = {
  1: 'Group stage · matchday 1',
  2: 'Group stage · matchday 2',
  3: 'Group stage · matchday 3',
  4: 'Round of 16',
  5: 'Quarter-finals',
  6: 'Semi-finals',
  7: 'Final and third place',
};
export const roundName = (round: number) => roundNames[round] ?? `Round ${round}`;

/** A kick-off in a given IANA time zone (or the runtime's own when none is given). */
export function dateTime(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(new Date(iso));
}

export function day(iso: string, timeZone = 'UTC'): string {
  return new Intl.DateTimeFormat('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone,
  }).format(new Date(iso));
}

export const stateLabel = {
  available: 'Available',
  temporarily_unavailable: 'Temporarily unavailable',
  sold_out: 'Sold out',
} as const;

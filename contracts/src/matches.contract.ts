import { z } from 'zod';
import { availabilityState, category, currency, isoDateTime, matchNumber } from './primitives';

/** One category of a match as fans see it: price, counts and state. */
export const categoryViewSchema = z.object({
  category,
  priceCents: z.number().int().positive(),
  currency,
  capacity: z.number().int().nonnegative(),
  /** Not yet sold anywhere. */
  available: z.number().int(),
  /** Not yet sold or held anywhere: what a new order can take. */
  pending: z.number().int(),
  state: availabilityState,
  version: z.number().int(),
});
export type CategoryView = z.infer<typeof categoryViewSchema>;

export const matchViewSchema = z.object({
  matchNumber,
  roundNumber: z.number().int(),
  kickOff: isoDateTime,
  venue: z.string(),
  homeTeam: z.string(),
  awayTeam: z.string(),
  group: z.string().nullable(),
  categories: z.array(categoryViewSchema),
});
export type MatchView = z.infer<typeof matchViewSchema>;

/** GET /api/matches */
export const matchListResponseSchema = z.object({ matches: z.array(matchViewSchema) });
/** GET /api/matches/:matchNumber */
export const matchResponseSchema = z.object({ match: matchViewSchema });

/** GET /api/matches/stream, event `availability`: one category changed. */
export const availabilityUpdateSchema = z.object({
  matchNumber,
  category,
  capacity: z.number().int(),
  available: z.number().int(),
  pending: z.number().int(),
  state: availabilityState,
  priceCents: z.number().int(),
  currency,
  version: z.number().int(),
});
export type AvailabilityUpdate = z.infer<typeof availabilityUpdateSchema>;

/** GET /api/matches/stream, event `snapshot`: every category's counts when the stream opens. */
export const availabilitySnapshotSchema = z.object({
  categories: z.array(categoryViewSchema.extend({ matchNumber })),
});
export type AvailabilitySnapshot = z.infer<typeof availabilitySnapshotSchema>;

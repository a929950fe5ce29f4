import { z } from 'zod';

import { availabilityState, isoDateTime } from './primitives';

/** GET /api/analytics/stats (admin) and GET /api/recommendations, served by analytics. */
const count = z.number().int().nonnegative();
const cents = z.number().int();

const platformFigures = z.object({
  sold: z.number().int(),
  held: z.number().int(),
  revenueCents: cents,
});

export const analyticsCategoryStatsSchema = z.object({
  matchNumber: z.number().int(),
  homeTeam: z.string().nullable(),
  awayTeam: z.string().nullable(),
  kickOff: isoDateTime.nullable(),
  category: z.number().int(),
  capacity: count,
  /** Not sold anywhere / neither sold nor held anywhere (tickets' latest counts). */
  available: count,
  pending: count,
  priceCents: cents,
  currency: z.string(),
  state: availabilityState,
  platforms: z.object({
    ours: platformFigures,
    /** All partner platforms together: the counts name no single partner. */
    partners: platformFigures,
  }),
  /** From our first hold to the category selling out; null while it has not. */
  timeToSellOutSeconds: z.number().nonnegative().nullable(),
});

const reasonCount = z.object({ reason: z.string(), count });

export const analyticsStatsResponseSchema = z.object({
  generatedAt: isoDateTime,
  /** How far the aggregates trail the events (commit minus occurredAt), recent events. */
  ingest: z.object({
    lastEventAt: isoDateTime.nullable(),
    lastIngestedAt: isoDateTime.nullable(),
    samples: count,
    p50Ms: z.number().nullable(),
    p99Ms: z.number().nullable(),
    maxMs: z.number().nullable(),
  }),
  categories: z.array(analyticsCategoryStatsSchema),
  funnel: z.object({
    tried: count,
    held: count,
    paid: count,
    expired: count,
    cancelled: count,
    refused: count,
    refusedByReason: z.array(reasonCount),
    cancelledByReason: z.array(reasonCount),
    /** Expired orders over orders that were held; null before any. */
    expiryRate: z.number().min(0).nullable(),
  }),
  ordersTimeline: z.array(z.object({ bucket: isoDateTime, status: z.string(), count })),
  money: z.object({
    revenueCents: cents,
    resaleCents: cents,
    payments: z.object({ count, amountCents: cents }),
    refunds: z.object({ count, amountCents: cents }),
  }),
  deadLetters: z.object({
    total: count,
    bySubject: z.array(z.object({ consumer: z.string(), subject: z.string(), count })),
  }),
  securityVerdicts: z.array(z.object({ kind: z.string(), reason: z.string(), count })),
  events: z.array(z.object({ type: z.string(), count, lastOccurredAt: isoDateTime })),
});
export type AnalyticsStats = z.infer<typeof analyticsStatsResponseSchema>;

export const recommendationSchema = z.object({
  matchNumber: z.number().int(),
  homeTeam: z.string(),
  awayTeam: z.string(),
  kickOff: isoDateTime,
  venue: z.string(),
  score: z.number(),
  /** Why it is shown, e.g. "Popular with fans from South America". */
  reason: z.string(),
});

export const recommendationsResponseSchema = z.object({
  recommendations: z.array(recommendationSchema),
  /** The fan's country the list was made for (account, IP or query), if known. */
  country: z.string().nullable(),
  region: z.string().nullable(),
  /** The model version that ranked them, or `baseline` before any model is trained. */
  modelVersion: z.string(),
});
export type RecommendationsResponse = z.infer<typeof recommendationsResponseSchema>;

import type { Pool } from '@ticketaka/common';
import type { AnalyticsStats } from '@ticketaka/contracts';
import { readCategoryRows, readCounters } from '../data-access/statistics.repository';
import type { IngestLag } from './ingest-lag';

const n = (value: string | number | undefined) => Number(value ?? 0);

/**
 * The admin dashboard's figures, from the aggregate store. Partner figures follow from
 * tickets' counts: what is no longer available and not sold by us was sold by partners,
 * what is held but not by us is held by partners (valued at face price).
 */
export async function readStatistics(pool: Pool, lag: IngestLag): Promise<AnalyticsStats> {
  const [categories, counters] = await Promise.all([readCategoryRows(pool), readCounters(pool)]);
  const stage = (name: string) =>
    counters.funnel.filter((f) => f.stage === name).reduce((sum, f) => sum + n(f.count), 0);
  const byReason = (name: string) =>
    counters.funnel
      .filter((f) => f.stage === name)
      .map((f) => ({ reason: f.reason, count: n(f.count) }))
      .sort((a, b) => b.count - a.count);
  const money = (kind: string) => counters.money.find((m) => m.kind === kind);
  const held = stage('held');
  return {
    generatedAt: new Date().toISOString(),
    ingest: lag.summary(),
    categories: categories.map((c) => {
      const partnerSold = Math.max(0, c.capacity - c.available - c.sold);
      return {
        matchNumber: c.match_number,
        homeTeam: c.home_team,
        awayTeam: c.away_team,
        kickOff: c.kick_off?.toISOString() ?? null,
        category: c.category,
        capacity: c.capacity,
        available: c.available,
        pending: c.pending,
        priceCents: c.price_cents,
        currency: c.currency.trim(),
        state: c.state,
        platforms: {
          ours: { sold: c.sold, held: Math.max(0, c.held), revenueCents: n(c.revenue_cents) },
          partners: {
            sold: partnerSold,
            held: Math.max(0, c.available - c.pending - Math.max(0, c.held)),
            revenueCents: partnerSold * c.price_cents,
          },
        },
        timeToSellOutSeconds:
          c.sold_out_at && c.first_hold_at
            ? Math.max(0, (c.sold_out_at.getTime() - c.first_hold_at.getTime()) / 1000)
            : null,
      };
    }),
    funnel: {
      tried: held + stage('refused'),
      held,
      paid: stage('paid'),
      expired: stage('expired'),
      cancelled: stage('cancelled'),
      refused: stage('refused'),
      refusedByReason: byReason('refused'),
      cancelledByReason: byReason('cancelled'),
      expiryRate: held > 0 ? stage('expired') / held : null,
    },
    ordersTimeline: counters.timeline.map((t) => ({
      bucket: t.bucket.toISOString(),
      status: t.status,
      count: n(t.count),
    })),
    money: {
      revenueCents: n(money('revenue')?.amount_cents),
      resaleCents: n(money('resale')?.amount_cents),
      payments: {
        count: n(money('payments')?.count),
        amountCents: n(money('payments')?.amount_cents),
      },
      refunds: {
        count: n(money('refunds')?.count),
        amountCents: n(money('refunds')?.amount_cents),
      },
    },
    deadLetters: {
      total: counters.deadLetters.reduce((sum, d) => sum + n(d.count), 0),
      bySubject: counters.deadLetters.map((d) => ({
        consumer: d.consumer,
        subject: d.subject,
        count: n(d.count),
      })),
    },
    securityVerdicts: counters.verdicts.map((v) => ({
      kind: v.kind,
      reason: v.reason,
      count: n(v.count),
    })),
    events: counters.events.map((e) => ({
      type: e.type,
      count: n(e.count),
      lastOccurredAt: e.last_occurred_at.toISOString(),
    })),
  };
}

/**
 * The statistics, computed at most once per `maxAgeMs` however many dashboards ask, and
 * once for all requests that arrive while a computation runs: a dozen admin screens polling
 * during an on-sale cost one set of queries a second, not one each. Figures are then at most
 * `maxAgeMs` older than the aggregate store (`generatedAt` says when); 0 computes every time.
 */
export function sharedStatistics(pool: Pool, lag: IngestLag, maxAgeMs: number) {
  let latest: { at: number; value: Promise<AnalyticsStats> } | undefined;
  return (): Promise<AnalyticsStats> => {
    const now = Date.now();
    if (latest && now - latest.at < maxAgeMs) return latest.value;
    const value = readStatistics(pool, lag);
    const entry = { at: now, value };
    latest = entry;
    // A failed computation is not kept: the next request tries again.
    value.catch(() => {
      if (latest === entry) latest = undefined;
    });
    return value;
  };
}

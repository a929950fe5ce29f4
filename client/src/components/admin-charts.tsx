'use client';
import type { AdminInventoryRow, AdminOrderStats, AdminPaymentStats } from '@ticketaka/contracts';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef } from 'react';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const palette = {
  sold: '#0b3d2e',
  held: '#c98a00',
  partnerSold: '#5b3f8c',
  partnerHeld: '#a98bd6',
  created: '#6b7b73',
  awaiting_payment: '#c98a00',
  complete: '#0b7a3b',
  cancelled: '#a4161a',
  expired: '#8a1538',
  succeeded: '#0b7a3b',
  failed: '#a4161a',
  refunded: '#1a5fd0',
} as const;

/** One bar chart on a canvas, described for screen readers by its aria-label and the tables. */
function BarChart({ label, config }: { label: string; config: ChartConfiguration<'bar'> }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [config]);
  return (
    <div className="chart-box">
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}

const hour = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', {
    day: '2-digit',
    month: 'short',
    hour: '2-digit',
    timeZone: 'UTC',
  }).format(new Date(iso));

export function AdminCharts({
  inventory,
  orders,
  payments,
}: {
  inventory: AdminInventoryRow[];
  orders: AdminOrderStats;
  payments: AdminPaymentStats;
}) {
  // Matches with the most activity first; the table below lists every one.
  const perMatch = new Map<
    number,
    { name: string; sold: number; held: number; partnerSold: number; partnerHeld: number }
  >();
  for (const r of inventory) {
    const m = perMatch.get(r.matchNumber) ?? {
      name: `${r.matchNumber}. ${r.homeTeam}–${r.awayTeam}`,
      sold: 0,
      held: 0,
      partnerSold: 0,
      partnerHeld: 0,
    };
    m.sold += r.sold;
    m.held += r.held;
    m.partnerSold += r.partnerSold;
    m.partnerHeld += r.partnerHeld;
    perMatch.set(r.matchNumber, m);
  }
  const top = [...perMatch.values()]
    .sort(
      (a, b) =>
        b.sold +
        b.held +
        b.partnerSold +
        b.partnerHeld -
        (a.sold + a.held + a.partnerSold + a.partnerHeld),
    )
    .slice(0, 10);
  const stacked = {
    x: { stacked: true },
    y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
  };

  const seats: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: top.map((m) => m.name),
      datasets: (['sold', 'held', 'partnerSold', 'partnerHeld'] as const).map((k) => ({
        label: {
          sold: 'Sold here',
          held: 'Held here',
          partnerSold: 'Sold on partners',
          partnerHeld: 'Held on partners',
        }[k],
        data: top.map((m) => m[k]),
        backgroundColor: palette[k],
      })),
    },
    options: { animation: false, responsive: true, maintainAspectRatio: false, scales: stacked },
  };

  const orderHours = [...new Set(orders.timeline.map((t) => t.bucket))].sort();
  const orderStatuses = [
    'created',
    'awaiting_payment',
    'complete',
    'cancelled',
    'expired',
  ] as const;
  const ordersConfig: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: orderHours.map(hour),
      datasets: orderStatuses.map((s) => ({
        label: s.replace('_', ' '),
        data: orderHours.map(
          (h) => orders.timeline.find((t) => t.bucket === h && t.status === s)?.count ?? 0,
        ),
        backgroundColor: palette[s],
      })),
    },
    options: { animation: false, responsive: true, maintainAspectRatio: false, scales: stacked },
  };

  const payHours = [...new Set(payments.timeline.map((t) => t.bucket))].sort();
  const kinds = ['succeeded', 'failed', 'refunded'] as const;
  const paymentsConfig: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: payHours.map(hour),
      datasets: kinds.map((k) => ({
        label: k,
        data: payHours.map(
          (h) => payments.timeline.find((t) => t.bucket === h && t.kind === k)?.count ?? 0,
        ),
        backgroundColor: palette[k],
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  };

  return (
    <div className="grid">
      <section className="card" aria-labelledby="chart-seats">
        <h2 id="chart-seats">Seats by match (busiest 10)</h2>
        <BarChart
          label="Stacked bars of seats sold and held here and on partner platforms for the ten busiest matches; the table below has every figure."
          config={seats}
        />
      </section>
      <section className="card" aria-labelledby="chart-orders">
        <h2 id="chart-orders">Orders per hour by status (48 h)</h2>
        <BarChart
          label="Orders placed per hour, split by their status now."
          config={ordersConfig}
        />
        <table>
          <caption className="visually-hidden">Orders by status</caption>
          <tbody>
            {orders.byStatus.map((s) => (
              <tr key={s.status}>
                <th scope="row">{s.status.replace('_', ' ')}</th>
                <td className="num" data-testid={`orders-${s.status}`}>
                  {s.count}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card" aria-labelledby="chart-payments">
        <h2 id="chart-payments">Payments and refunds per hour (48 h)</h2>
        <BarChart
          label="Successful payments, declined attempts and refunds per hour."
          config={paymentsConfig}
        />
        <table>
          <caption className="visually-hidden">Payments by status</caption>
          <tbody>
            {payments.byStatus.map((s) => (
              <tr key={s.status}>
                <th scope="row">{s.status.replace('_', ' ')}</th>
                <td className="num">{s.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

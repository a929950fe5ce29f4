import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import {
  adminDeadLettersResponseSchema,
  adminInventoryResponseSchema,
  adminOrderStatsResponseSchema,
  adminPaymentStatsResponseSchema,
} from '@ticketaka/contracts';
import { z } from 'zod';
import { AdminCharts } from '../../components/admin-charts';
import { ErrorNotice } from '../../components/error-notice';
import { categoryName, money } from '../../lib/format';
import { serviceGet } from '../../lib/server-api';
import { getSession } from '../../lib/session';

export const metadata: Metadata = { title: 'Admin dashboard' };

const partnerStatusSchema = z.object({ phase: z.string() }).passthrough();

export default async function AdminPage() {
  const session = await getSession();
  // Fans and visitors get the not-found page: the dashboard's existence is not advertised.
  if (session.state !== 'signed-in' || session.user.role !== 'admin') notFound();
  const asFan = { asFan: true };
  const [inventory, orders, payments, dead, partner] = await Promise.all([
    serviceGet('tickets', '/api/tickets/admin/inventory', adminInventoryResponseSchema, asFan),
    serviceGet('orders', '/api/orders/admin/stats?hours=48', adminOrderStatsResponseSchema, asFan),
    serviceGet(
      'payments',
      '/api/payments/admin/stats?hours=48',
      adminPaymentStatsResponseSchema,
      asFan,
    ),
    serviceGet('orders', '/api/orders/admin/dead-letters', adminDeadLettersResponseSchema, asFan),
    serviceGet('kafka-bridge', '/api/partner-sync/status', partnerStatusSchema, asFan),
  ]);
  if (!inventory.ok)
    return <ErrorNotice title="Inventory could not be loaded" errors={inventory.errors} />;
  if (!orders.ok)
    return <ErrorNotice title="Order statistics could not be loaded" errors={orders.errors} />;
  if (!payments.ok)
    return <ErrorNotice title="Payment statistics could not be loaded" errors={payments.errors} />;

  const rows = inventory.data.categories;
  const sum = (pick: (r: (typeof rows)[number]) => number) => rows.reduce((t, r) => t + pick(r), 0);
  const paid = payments.data.byStatus.find((p) => p.status === 'succeeded');
  const refunded = payments.data.byStatus.find((p) => p.status === 'refunded');
  const active = rows.filter((r) => r.sold + r.held + r.partnerSold + r.partnerHeld > 0);

  return (
    <>
      <h1>Admin dashboard</h1>
      <section aria-labelledby="totals">
        <h2 id="totals">At a glance</h2>
        <div className="kpis">
          <Kpi label="Tickets sold here" value={sum((r) => r.sold)} testId="kpi-sold" />
          <Kpi label="Held here (unpaid)" value={sum((r) => r.held)} />
          <Kpi label="Sold on partners" value={sum((r) => r.partnerSold)} />
          <Kpi label="Held on partners" value={sum((r) => r.partnerHeld)} />
          <Kpi label="Still available" value={sum((r) => Math.max(0, r.pending))} />
          <Kpi label="Paid" value={paid ? money(paid.amountCents, 'USD') : money(0, 'USD')} />
          <Kpi
            label="Refunded"
            value={refunded ? money(refunded.amountCents, 'USD') : money(0, 'USD')}
          />
          <Kpi
            label="Dead letters"
            value={dead.ok ? dead.data.total : 'unknown'}
            testId="kpi-dead-letters"
          />
        </div>
        <p className="muted">
          Partner sync:{' '}
          {partner.ok
            ? `on (${String(partner.data.phase)})`
            : 'off or not reachable on this platform'}
        </p>
      </section>
      <AdminCharts inventory={rows} orders={orders.data} payments={payments.data} />
      <section aria-labelledby="per-category">
        <h2 id="per-category">Per match and category (with sales or holds)</h2>
        {active.length === 0 ? (
          <p>No tickets sold or held yet.</p>
        ) : (
          <div
            className="table-wrap"
            role="region"
            aria-label="Seats per match and category"
            tabIndex={0}
          >
            <table data-testid="inventory-table">
              <thead>
                <tr>
                  <th scope="col">Match</th>
                  <th scope="col">Category</th>
                  <th scope="col" className="num">
                    Sold
                  </th>
                  <th scope="col" className="num">
                    Held
                  </th>
                  <th scope="col" className="num">
                    Partner sold
                  </th>
                  <th scope="col" className="num">
                    Partner held
                  </th>
                  <th scope="col" className="num">
                    Available
                  </th>
                  <th scope="col" className="num">
                    Capacity
                  </th>
                </tr>
              </thead>
              <tbody>
                {active.map((r) => (
                  <tr key={`${r.matchNumber}-${r.category}`}>
                    <td>
                      {r.matchNumber}. {r.homeTeam} v {r.awayTeam}
                    </td>
                    <td>{categoryName(r.category)}</td>
                    <td className="num">{r.sold}</td>
                    <td className="num">{r.held}</td>
                    <td className="num">{r.partnerSold}</td>
                    <td className="num">{r.partnerHeld}</td>
                    <td className="num">{Math.max(0, r.pending)}</td>
                    <td className="num">{r.capacity}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {dead.ok && dead.data.byConsumer.length > 0 && (
        <section aria-labelledby="dead">
          <h2 id="dead">Dead letters per consumer</h2>
          <ul>
            {dead.data.byConsumer.map((d) => (
              <li key={d.consumer}>
                {d.consumer}: {d.count}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

function Kpi({ label, value, testId }: { label: string; value: string | number; testId?: string }) {
  return (
    <div className="card">
      <p className="kpi" data-testid={testId}>
        {value}
      </p>
      <p className="muted">{label}</p>
    </div>
  );
}

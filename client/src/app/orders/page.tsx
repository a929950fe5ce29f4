import type { Metadata } from 'next';
import Link from 'next/link';
import { orderListResponseSchema, type OrderStatus } from '@ticketaka/contracts';
import { CancelOrderButton } from '../../components/cancel-order-button';
import { ErrorNotice } from '../../components/error-notice';
import { categoryName, dateTime, money } from '../../lib/format';
import { requireFan } from '../../lib/require-fan';
import { serviceGet } from '../../lib/server-api';

export const metadata: Metadata = { title: 'My orders' };

const statusText: Record<OrderStatus, string> = {
  created: 'Waiting for partner confirmation',
  awaiting_payment: 'Waiting for payment',
  complete: 'Paid',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

export default async function MyOrdersPage() {
  if (!(await requireFan('/orders'))) return null;
  const result = await serviceGet('orders', '/api/orders', orderListResponseSchema, {
    asFan: true,
  });
  if (!result.ok)
    return <ErrorNotice title="Your orders could not be loaded" errors={result.errors} />;
  const { orders } = result.data;
  return (
    <>
      <h1>My orders</h1>
      {orders.length === 0 ? (
        <p>
          No orders yet. <Link href="/">Browse the matches</Link>.
        </p>
      ) : (
        <div className="table-wrap" role="region" aria-label="Your orders" tabIndex={0}>
          <table>
            <caption className="visually-hidden">Your orders, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Tickets</th>
                <th scope="col" className="num">
                  Total
                </th>
                <th scope="col">Status</th>
                <th scope="col">Placed</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {orders.map((o) => (
                <tr key={o.id}>
                  <td>
                    <Link href={`/orders/${o.id}`}>
                      {o.kind === 'resale' ? 'Resale' : `Match ${o.matchNumber}`}
                    </Link>
                  </td>
                  <td>
                    {o.quantity} × {o.category ? categoryName(o.category) : 'ticket'}
                  </td>
                  <td className="num">{money(o.amountCents, o.currency)}</td>
                  <td>{statusText[o.status]}</td>
                  <td>{dateTime(o.createdAt, 'UTC')}</td>
                  <td>
                    {o.status === 'awaiting_payment' || o.status === 'created' ? (
                      <div className="row">
                        <Link href={`/orders/${o.id}`}>Pay</Link>
                        <CancelOrderButton orderId={o.id} />
                      </div>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

import type { Metadata } from 'next';
import { notFound, redirect } from 'next/navigation';
import {
  matchResponseSchema,
  orderResponseSchema,
  paymentConfigResponseSchema,
  paymentResponseSchema,
} from '@ticketaka/contracts';
import { Checkout } from '../../../components/checkout';
import { ErrorNotice } from '../../../components/error-notice';
import { categoryName } from '../../../lib/format';
import { catalogueCache, serviceGet } from '../../../lib/server-api';
import { getSession } from '../../../lib/session';

export const metadata: Metadata = { title: 'Checkout' };

export default async function CheckoutPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const session = await getSession();
  if (session.state === 'anonymous') redirect(`/signin?next=/orders/${id}`);
  const order = await serviceGet('orders', `/api/orders/${id}`, orderResponseSchema, {
    asFan: true,
  });
  if (!order.ok && order.status === 404) notFound();
  if (!order.ok)
    return <ErrorNotice title="This order could not be loaded" errors={order.errors} />;
  const [paymentConfig, payment, match] = await Promise.all([
    serviceGet('payments', '/api/payments/config', paymentConfigResponseSchema),
    serviceGet('payments', `/api/payments/${id}`, paymentResponseSchema, { asFan: true }),
    order.data.order.matchNumber
      ? serviceGet('tickets', `/api/matches/${order.data.order.matchNumber}`, matchResponseSchema, {
          cacheSeconds: catalogueCache,
        })
      : undefined,
  ]);
  const o = order.data.order;
  const title = match?.ok
    ? `${match.data.match.homeTeam} v ${match.data.match.awayTeam}`
    : o.matchNumber
      ? `Match ${o.matchNumber}`
      : 'Resale ticket';
  return (
    <>
      <h1>Checkout</h1>
      <Checkout
        initialOrder={o}
        initialPayment={payment.ok ? payment.data.payment : null}
        paymentConfig={paymentConfig.ok ? paymentConfig.data : null}
        heading={`${title}${o.category ? ` · ${categoryName(o.category)}` : ''}`}
        serverNow={Date.now()}
      />
    </>
  );
}

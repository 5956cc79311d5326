import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useSearchParams, Outlet } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { resolveVisitorCart } from '~/models/cart.server';
import { startOnlinePayment } from '~/models/checkout.server';
import { canViewOrder, getOrderDetail, orderTimeline } from '~/models/orders.server';
import catalogStyles from '~/styles/catalog.css';
import checkoutStyles from '~/styles/checkout.css';
import { getOptionalUser } from '~/utils/auth.server';
import type { AppContext } from '~/utils/context.server';
import { notFound } from '~/utils/http.server';
import { formatFen } from '~/utils/money';
import { paymentsPort, siteOrigin } from '../checkout/form.server';
import { BankTransferPanel, CooperativeShipments, OrderTimeline } from './order-panels';

export const handle = { i18n: ['coop', 'cart', 'orders'] };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: catalogStyles },
  { rel: 'stylesheet', href: checkoutStyles },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `订单 ${data.order.number} · 地标助农` : '订单 · 地标助农' },
  { name: 'robots', content: 'noindex' },
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The order, if this visitor may see it (its user, or the guest link's token); 404 otherwise, never 403. */
async function requireViewableOrder(app: AppContext, request: Request, id: string | undefined) {
  if (!id || !UUID.test(id)) notFound();
  const detail = await getOrderDetail(app.db, id);
  const token = new URL(request.url).searchParams.get('t');
  const user = await getOptionalUser(request, app);
  if (!detail || !canViewOrder(detail.order, user, token)) notFound();
  return { detail, token, user };
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const { detail, token } = await requireViewableOrder(app, request, params.id);
  const { order, payment } = detail;
  const awaitingTransfer = order.paymentMethod === 'bank_transfer' && order.status === 'pending_payment';
  return {
    token,
    order: {
      id: order.id,
      number: order.number,
      status: order.status,
      paymentMethod: order.paymentMethod,
      recipient: order.recipient,
      mobile: order.mobile,
      address: `${detail.regionPath.join(' ')} ${order.addressDetail}`,
      goodsFen: order.goodsFen,
      shippingFen: order.shippingFen,
      totalFen: order.totalFen,
      refundedFen: order.refundedFen,
      createdAt: order.createdAt.toISOString(),
      paymentDueAt: order.paymentDueAt?.toISOString() ?? null,
      cancelReason: order.cancelReason,
    },
    paymentStatus: payment?.status ?? null,
    canPayOnline: order.paymentMethod === 'stripe' && order.status === 'pending_payment' && payment?.status === 'pending' && Boolean(paymentsPort(app)),
    bank: awaitingTransfer ? { payee: app.env.OPERATOR_BANK_PAYEE, bankName: app.env.OPERATOR_BANK_NAME, account: app.env.OPERATOR_BANK_ACCOUNT } : null,
    cooperativeOrders: detail.cooperativeOrders.map((c) => ({
      id: c.id,
      status: c.status,
      cooperativeName: c.cooperativeName,
      cooperativeSlug: c.cooperativeSlug,
      goodsFen: c.goodsFen,
      shippingFen: c.shippingFen,
      carrier: c.carrier,
      trackingNumber: c.trackingNumber,
      shippedAt: c.shippedAt?.toISOString() ?? null,
      deliveredAt: c.deliveredAt?.toISOString() ?? null,
      codConfirmed: Boolean(c.codConfirmedAt),
      items: c.items.map((i) => ({ id: i.id, title: i.title, spec: i.spec, unitPriceFen: i.unitPriceFen, quantity: i.quantity })),
    })),
    timeline: orderTimeline(detail).map((e) => ({ ...e, at: e.at.toISOString() })),
  };
}

/**
 * "Pay now" for a Stripe order whose buyer left the payment page: back to the open session, or a
 * new one while the order's reservation lasts. A failure never cancels the order: the buyer sees
 * why and may try again.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const { detail, token, user } = await requireViewableOrder(app, request, params.id);
  const port = paymentsPort(app);
  if (!port || detail.order.paymentMethod !== 'stripe') notFound();
  const path = token ? `/orders/${detail.order.id}?t=${encodeURIComponent(token)}` : `/orders/${detail.order.id}`;
  const origin = siteOrigin(app, request);
  const started = await startOnlinePayment(app.db, port, {
    orderId: detail.order.id,
    owner: detail.order.userId ? { userId: detail.order.userId, guestCartId: null } : (await resolveVisitorCart(app, request, user)).owner,
    successUrl: `${origin}${path}${token ? '&' : '?'}paid=1`,
    cancelUrl: `${origin}${path}`,
    stripeCheckoutExpiryMinutes: app.env.STRIPE_CHECKOUT_EXPIRY_MINUTES,
    now: app.now(),
  });
  if (started.ok) return redirect(started.redirectUrl);
  // Stripe has the payment; its confirmation is on its way: the page says so.
  if (started.problem === 'payment_processing') return redirect(`${path}${token ? '&' : '?'}paid=1`);
  if (started.problem === 'provider_error') app.logger.error({ err: started.error, orderId: detail.order.id }, 'starting the online payment failed');
  const status = started.problem === 'provider_unavailable' || started.problem === 'provider_error' ? 503 : 409;
  return data({ problem: started.problem }, { status });
}

export default function OrderRoute() {
  const { order, bank, cooperativeOrders, timeline, paymentStatus, canPayOnline } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const { t, i18n } = useTranslation();
  const money = (fen: number) => formatFen(fen, i18n.language);
  return (
    <article className="order-page">
      <h1>{t('orders:detail.title', { number: order.number })}</h1>
      {params.get('placed') === '1' ? (
        <p className="form-notice" role="status">
          {t('orders:detail.placed')}
        </p>
      ) : null}
      {params.get('paid') === '1' && order.status === 'pending_payment' ? (
        <p className="form-notice" role="status">
          {t('orders:detail.paymentProcessing')}
        </p>
      ) : null}
      {params.get('t') ? <p className="order-page__keep-link">{t('orders:detail.keepLink')}</p> : null}
      {params.get('claim') === 'filed' ? (
        <p className="form-notice" role="status">
          {t('coop:fulfilment.notices.claimFiled')}
        </p>
      ) : null}
      {actionData?.problem ? (
        <p className="form-error" role="alert">
          {t(`orders:detail.payNowProblems.${actionData.problem}`)}
        </p>
      ) : null}
      <p className={`status-pill status-pill--${order.status}`}>
        {t(`orders:status.${order.status}`)}
        {order.status === 'cancelled' && order.cancelReason ? ` · ${t(`orders:cancelReasons.${order.cancelReason}`, { defaultValue: order.cancelReason })}` : null}
      </p>

      {bank ? <BankTransferPanel bank={bank} order={order} /> : null}
      {order.paymentMethod === 'cash_on_delivery' && order.status === 'pending_payment' ? <p className="panel">{t('orders:detail.codNotice')}</p> : null}
      {canPayOnline ? (
        <Form method="post" className="panel">
          <p>{t('orders:detail.payOnlineNotice')}</p>
          <button type="submit" className="button">
            {t('orders:detail.payOnline', { total: money(order.totalFen) })}
          </button>
        </Form>
      ) : null}

      <OrderTimeline events={timeline} />
      <CooperativeShipments cooperativeOrders={cooperativeOrders} cashOnDelivery={order.paymentMethod === 'cash_on_delivery'} unpaid={order.status === 'pending_payment'} />

      <section className="panel" aria-labelledby="delivery-heading">
        <h2 id="delivery-heading">{t('orders:detail.delivery')}</h2>
        <p>
          {order.recipient} {order.mobile}
          <br />
          {order.address}
        </p>
      </section>

      <section className="order-summary" aria-labelledby="amounts-heading">
        <h2 id="amounts-heading">{t('orders:detail.amounts')}</h2>
        <dl className="amounts">
          <dt>{t('cart:summary.goods')}</dt>
          <dd>{money(order.goodsFen)}</dd>
          <dt>{t('cart:summary.shipping')}</dt>
          <dd>{money(order.shippingFen)}</dd>
          <dt className="amounts__total">{t('cart:summary.total')}</dt>
          <dd className="amounts__total">{money(order.totalFen)}</dd>
          {order.refundedFen > 0 ? (
            <>
              <dt>{t('orders:detail.refunded')}</dt>
              <dd>{money(order.refundedFen)}</dd>
            </>
          ) : null}
          <dt>{t('orders:detail.paymentMethod')}</dt>
          <dd>
            {t(`orders:paymentMethods.${order.paymentMethod}`)}
            {paymentStatus ? ` · ${t(`orders:paymentStatus.${paymentStatus}`)}` : null}
          </dd>
        </dl>
      </section>
      {/* /orders/:id/claims/new renders here, below the order it is about. */}
      <Outlet />
    </article>
  );
}

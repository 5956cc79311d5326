import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { parsePageParam } from '~/models/catalog.server';
import { countUserOrders, listUserOrders } from '~/models/orders.server';
import catalogStyles from '~/styles/catalog.css';
import checkoutStyles from '~/styles/checkout.css';
import { requireUser } from '~/utils/auth.server';
import { formatFen } from '~/utils/money';
import { formatChinaTime } from '../orders.$id/order-panels';

export const handle = { i18n: ['cart', 'orders'] };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: catalogStyles },
  { rel: 'stylesheet', href: checkoutStyles },
];

export const meta: MetaFunction = () => [{ title: '我的订单 · 地标助农' }, { name: 'robots', content: 'noindex' }];

const PAGE_SIZE = 20;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const page = parsePageParam(new URL(request.url).searchParams.get('page'));
  const [orders, total] = await Promise.all([
    listUserOrders(app.db, user.id, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    countUserOrders(app.db, user.id),
  ]);
  return {
    page,
    pageCount: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    orders: orders.map((o) => ({ ...o, createdAt: o.createdAt.toISOString() })),
  };
}

export default function OrdersRoute() {
  const { orders, page, pageCount } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  return (
    <section className="orders-page">
      <h1>{t('orders:list.title')}</h1>
      {orders.length === 0 ? (
        <p>
          {t('orders:list.empty')} <Link to="/">{t('cart:browse')}</Link>
        </p>
      ) : (
        <ul className="order-list">
          {orders.map((o) => (
            <li key={o.id} className="order-list__item">
              <Link to={`/orders/${o.id}`} className="order-list__link">
                <span className="order-list__number">{o.number}</span>
                <span className={`status-pill status-pill--${o.status}`}>{t(`orders:status.${o.status}`)}</span>
                <span className="order-list__items">{t('orders:list.items', { title: o.firstTitle ?? '', count: o.itemCount })}</span>
                <span className="order-list__meta">
                  <time dateTime={o.createdAt}>{formatChinaTime(o.createdAt)}</time> · {t(`orders:paymentMethods.${o.paymentMethod}`)}
                </span>
                <span className="order-list__total">{formatFen(o.totalFen, i18n.language)}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      {pageCount > 1 ? (
        <nav className="pagination" aria-label={t('pagination.label')}>
          {page > 1 ? <Link to={`?page=${page - 1}`}>{t('pagination.previous')}</Link> : null}
          <span>{t('pagination.status', { page, pageCount })}</span>
          {page < pageCount ? <Link to={`?page=${page + 1}`}>{t('pagination.next')}</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}

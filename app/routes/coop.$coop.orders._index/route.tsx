import { type LoaderFunctionArgs } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { COOP_ORDERS_PAGE_SIZE, countCooperativeOrdersByStatus, listCooperativeOrders } from '~/models/fulfilment.server';
import { requirePortalAccess } from '~/routes/coop.$coop/access.server';
import { formatFen } from '~/utils/money';
import { formatDateTime } from './done';

export const handle = { i18n: ['coop'] };

const STATUSES = ['awaiting_payment', 'awaiting_shipment', 'shipped', 'delivered', 'cancelled'] as const;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { cooperative } = await requirePortalAccess(request, context.app, params);
  const url = new URL(request.url);
  const statusParam = url.searchParams.get('status');
  const status = (STATUSES as readonly string[]).includes(statusParam ?? '') ? (statusParam as (typeof STATUSES)[number]) : null;
  const page = Math.max(1, Math.min(1000, Number.parseInt(url.searchParams.get('page') ?? '1', 10) || 1));
  const { rows, total } = await listCooperativeOrders(context.app.db, cooperative.id, { status, offset: (page - 1) * COOP_ORDERS_PAGE_SIZE });
  const counts = await countCooperativeOrdersByStatus(context.app.db, cooperative.id);
  return {
    slug: cooperative.slug,
    status,
    page,
    hasMore: page * COOP_ORDERS_PAGE_SIZE < total,
    counts,
    rows: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), codConfirmedAt: r.codConfirmedAt?.toISOString() ?? null })),
  };
}

export default function CooperativeOrders() {
  const { slug, status, page, hasMore, counts, rows } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const base = `/coop/${slug}/orders`;
  const query = (s: string | null, p = 1) => {
    const q = new URLSearchParams();
    if (s) q.set('status', s);
    if (p > 1) q.set('page', String(p));
    const text = q.toString();
    return text ? `${base}?${text}` : base;
  };
  return (
    <section>
      <h2>{t('coop:fulfilment.list.title')}</h2>
      <nav className="chips" aria-label={t('coop:fulfilment.list.status')}>
        <Link className="chip" to={base} aria-current={status === null ? 'page' : undefined}>
          {t('coop:fulfilment.list.all')}
        </Link>
        {STATUSES.map((s) => (
          <Link key={s} className="chip" to={query(s)} aria-current={status === s ? 'page' : undefined}>
            {t(`coop:fulfilment.status.${s}`)} ({counts[s]})
          </Link>
        ))}
      </nav>
      {rows.length === 0 ? (
        <p>{t('coop:fulfilment.list.empty')}</p>
      ) : (
        <ul className="coop-rows">
          {rows.map((r) => (
            <li key={r.id}>
              <span>
                <Link to={`${base}/${r.id}`}>{r.number}</Link> · {t(`coop:fulfilment.status.${r.status}`)} · {t(`coop:fulfilment.paymentMethod.${r.paymentMethod}`)} · {r.recipient} ·{' '}
                {formatDateTime(r.createdAt, i18n.language)}
                {r.openClaims > 0 ? <strong> · {t('coop:fulfilment.list.openClaims', { count: r.openClaims })}</strong> : null}
              </span>
              <strong>{formatFen(r.goodsFen + r.shippingFen - r.refundedFen, i18n.language)}</strong>
            </li>
          ))}
        </ul>
      )}
      <p>
        {page > 1 ? <Link to={query(status, page - 1)}>{t('coop:fulfilment.list.previous')}</Link> : null}{' '}
        {hasMore ? <Link to={query(status, page + 1)}>{t('coop:fulfilment.list.more')}</Link> : null}
      </p>
    </section>
  );
}

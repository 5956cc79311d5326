import type { LoaderFunctionArgs } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { getPortalDashboard } from '~/models/products.server';
import { daysUntil } from '~/utils/dates';
import { requirePortalAccess } from '~/routes/coop.$coop/access.server';
import { productPath } from '~/routes/coop.$coop/paths';

export const handle = { i18n: ['coop'] };

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { cooperative } = await requirePortalAccess(request, context.app, params);
  const now = context.app.now();
  const dashboard = await getPortalDashboard(context.app.db, cooperative.id);
  return {
    slug: cooperative.slug,
    ...dashboard,
    stalled: dashboard.stalled.map((s) => ({ ...s, daysLeft: daysUntil(s.sellBefore, now) })),
  };
}

export default function CooperativeDashboard() {
  const { slug, counts, flagged, stalled, outOfStock } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <section className="coop-dashboard">
      <h2>{t('coop:dashboard.title')}</h2>
      <ul className="coop-stats">
        {(['published', 'draft', 'archived'] as const).map((status) => (
          <li key={status}>
            <Link to={`/coop/${slug}/products?status=${status}`}>
              <strong>{counts[status]}</strong> {t(`coop:status.${status}`)}
            </Link>
          </li>
        ))}
      </ul>
      <p>
        <Link to={`/coop/${slug}/products/new`} className="button">
          {t('coop:products.new')}
        </Link>
      </p>

      {flagged.length ? (
        <div className="coop-alert" role="alert">
          <h3>{t('coop:dashboard.flaggedTitle')}</h3>
          <p>{t('coop:gi.revokedNotice')}</p>
          <ul>
            {flagged.map((f) => (
              <li key={f.id}>
                <Link to={productPath(slug, f.id)}>{f.title}</Link>
                {f.giName ? ` · ${f.giName}` : null}
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      <h3>{t('coop:dashboard.stalledTitle')}</h3>
      {stalled.length ? (
        <ul className="coop-rows">
          {stalled.map((s) => (
            <li key={s.productId}>
              <Link to={productPath(slug, s.productId, 'stalled')}>{s.title}</Link>
              <span>
                {s.quantity} {s.unit} · {t('coop:stalled.sellBeforeShort', { date: s.sellBefore })} ·{' '}
                {s.daysLeft >= 0 ? t('coop:stalled.daysLeft', { count: s.daysLeft }) : t('coop:stalled.overdue')}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p>{t('coop:dashboard.noStalled')}</p>
      )}

      <h3>{t('coop:dashboard.outOfStockTitle')}</h3>
      {outOfStock.length ? (
        <ul className="coop-rows">
          {outOfStock.map((o) => (
            <li key={`${o.productId}-${o.spec}`}>
              <Link to={productPath(slug, o.productId, 'stock')}>{o.title}</Link>
              <span>{o.spec}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p>{t('coop:dashboard.noOutOfStock')}</p>
      )}
    </section>
  );
}

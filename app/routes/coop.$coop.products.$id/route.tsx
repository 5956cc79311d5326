import type { LoaderFunctionArgs } from '@remix-run/node';
import { NavLink, Outlet, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { requirePortalProduct } from '~/routes/coop.$coop/access.server';
import { productPath } from '~/routes/coop.$coop/paths';
import { Notice } from '~/routes/coop.$coop/notice';

export const handle = { i18n: ['coop'] };

/** A product's pages: details, variants, images, stock, stalled stock. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { cooperative, detail } = await requirePortalProduct(request, context.app, params);
  const { product, gi, stalled } = detail;
  return {
    base: productPath(cooperative.slug, product.id),
    product: { id: product.id, slug: product.slug, title: product.title, status: product.status, giRevokedAt: product.giRevokedAt },
    giName: gi?.name ?? null,
    stalled: Boolean(stalled),
    listed: product.status === 'published' && cooperative.verificationStatus === 'verified',
  };
}

export default function ProductPages() {
  const { base, product, giName, stalled, listed } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const tabs = [
    { to: base, label: t('coop:productNav.details'), end: true },
    { to: `${base}/variants`, label: t('coop:productNav.variants') },
    { to: `${base}/images`, label: t('coop:productNav.images') },
    { to: `${base}/stock`, label: t('coop:productNav.stock') },
    { to: `${base}/stalled`, label: t('coop:productNav.stalled') },
  ];
  return (
    <section className="coop-product-page">
      <h2>{product.title}</h2>
      <p className="coop-product__meta">
        <span className={`badge badge--${product.status}`}>{t(`coop:status.${product.status}`)}</span>
        {stalled ? <span className="badge badge--stalled">{t('coop:stalled.badge')}</span> : null}
        {listed ? <a href={`/products/${product.slug}`}>{t('coop:product.viewInShop')}</a> : null}
      </p>
      {product.giRevokedAt ? (
        <p className="coop-alert" role="alert">
          {t('coop:gi.revokedProduct', { gi: giName ?? '' })}
        </p>
      ) : null}
      <nav className="coop-tabs" aria-label={t('coop:productNav.label')}>
        {tabs.map((tab) => (
          <NavLink key={tab.to} to={tab.to} end={tab.end}>
            {tab.label}
          </NavLink>
        ))}
      </nav>
      <Notice />
      <Outlet />
    </section>
  );
}

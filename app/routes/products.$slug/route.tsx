import type { LinksFunction, LoaderFunctionArgs, MetaDescriptor, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { GiBadge } from '~/components/gi-badge';
import { StalledBadge } from '~/components/product-card';
import { DelayNotice, delayNoticeLinks } from '~/components/delay-notice';
import { getProductPage } from '~/models/catalog.server';
import { getOpenDelayNotices } from '~/models/reports.server';
import type { loader as rootLoader } from '~/root';
import catalogStyles from '~/styles/catalog.css';
import { getOptionalUser } from '~/utils/auth.server';
import { notFound } from '~/utils/http.server';
import { formatFen } from '~/utils/money';
import { canManageCooperative } from '~/utils/permissions.server';
import { GiPanel } from './gi-panel';
import { fenToYuan, productJsonLd } from './json-ld';
import { PurchaseForm } from './purchase-form';

export const handle = { i18n: ['catalog'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: catalogStyles }, ...delayNoticeLinks()];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const page = await getProductPage(app.db, params.slug ?? '');
  if (!page) notFound();
  // Drafts, archived goods and unverified cooperatives' goods: only the cooperative may preview them.
  const preview = !page.listed;
  if (preview && !canManageCooperative(await getOptionalUser(request, app), page.cooperative.id)) notFound();
  const origin = app.env.PUBLIC_URL?.replace(/\/$/, '') ?? new URL(request.url).origin;
  const url = `${origin}/products/${page.product.slug}`;
  const delayNotices = await getOpenDelayNotices(app.db, page.product.originRegionCode);
  return {
    ...page,
    delayNotices,
    preview,
    url,
    imageUrls: page.images.map((image) => `${origin}/uploads/${image.path}`),
    jsonLd: productJsonLd(page, { url, origin }),
    now: app.now().toISOString(),
  };
}

export const meta: MetaFunction<typeof loader, { root: typeof rootLoader }> = ({ data, matches }) => {
  if (!data) return [{ title: '页面不存在 · 地标助农' }];
  const english = matches.find((m) => m.id === 'root')?.data?.locale === 'en';
  const title = `${english && data.product.titleEn ? data.product.titleEn : data.product.title} · 地标助农`;
  const description = (data.product.description || data.product.originPath.join(' ')).replace(/\s+/g, ' ').slice(0, 150);
  const prices = data.variants.map((v) => v.priceFen);
  const tags: MetaDescriptor[] = [
    { title },
    { name: 'description', content: description },
    { tagName: 'link', rel: 'canonical', href: data.url },
    { property: 'og:type', content: 'product' },
    { property: 'og:site_name', content: '地标助农' },
    { property: 'og:title', content: title },
    { property: 'og:description', content: description },
    { property: 'og:url', content: data.url },
    { property: 'og:locale', content: english ? 'en_US' : 'zh_CN' },
  ];
  const [image] = data.images;
  if (image) {
    tags.push(
      { property: 'og:image', content: data.imageUrls[0] },
      { property: 'og:image:width', content: String(image.width) },
      { property: 'og:image:height', content: String(image.height) },
    );
  }
  if (prices.length > 0) {
    tags.push({ property: 'product:price:amount', content: fenToYuan(Math.min(...prices)) }, { property: 'product:price:currency', content: 'CNY' });
  }
  if (data.preview) tags.push({ name: 'robots', content: 'noindex' });
  return tags;
};

export default function ProductRoute() {
  const { product, cooperative, gi, stalled, variants, images, preview, jsonLd, now, delayNotices } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const english = i18n.language === 'en';
  const nowDate = new Date(now);
  const prices = variants.map((v) => v.priceFen);
  const money = (fen: number) => formatFen(fen, i18n.language);
  return (
    <article className="product-page">
      {preview ? (
        <p className="form-notice" role="status">
          {t('catalog:product.preview', { status: t(`catalog:product.status.${product.status}`) })}
        </p>
      ) : null}
      <DelayNotice notices={delayNotices} />

      <div className="gallery">
        {images.length > 0 ? (
          images.map((image, i) => (
            <img
              key={image.path}
              src={`/uploads/${image.path}`}
              alt={image.alt || product.title}
              width={image.width}
              height={image.height}
              loading={i === 0 ? 'eager' : 'lazy'}
              decoding={i === 0 ? 'sync' : 'async'}
            />
          ))
        ) : (
          <span className="gallery__placeholder" aria-hidden="true">
            {product.title.slice(0, 2)}
          </span>
        )}
      </div>

      <header className="product-page__header">
        <h1>{english && product.titleEn ? product.titleEn : product.title}</h1>
        <p className="product-card__badges">
          {gi?.badge ? <GiBadge name={english && gi.nameEn ? gi.nameEn : gi.name} kind={gi.kind} /> : null}
          {stalled ? <StalledBadge sellBefore={stalled.sellBefore} now={nowDate} /> : null}
        </p>
        {prices.length > 0 ? (
          <p className="product-page__price">
            {Math.min(...prices) === Math.max(...prices)
              ? money(prices[0]!)
              : t('catalog:product.priceFrom', { price: money(Math.min(...prices)) })}
          </p>
        ) : null}
      </header>

      {preview ? null : <PurchaseForm variants={variants} />}

      {stalled ? (
        <section className="panel panel--stalled" aria-labelledby="stalled-heading">
          <h2 id="stalled-heading">{t('catalog:stalled.title')}</h2>
          <p>{t('catalog:stalled.summary', { quantity: stalled.quantity.toLocaleString(i18n.language), unit: stalled.unit, since: stalled.since, sellBefore: stalled.sellBefore })}</p>
          {stalled.reason ? <p>{stalled.reason}</p> : null}
        </section>
      ) : null}

      {product.description ? (
        <section aria-labelledby="description-heading" className="prose">
          <h2 id="description-heading">{t('catalog:product.description')}</h2>
          <p className="pre-line">{product.description}</p>
        </section>
      ) : null}

      {gi ? <GiPanel gi={gi} /> : null}

      <section className="panel" aria-labelledby="origin-heading">
        <h2 id="origin-heading">{t('catalog:product.originAndSeller')}</h2>
        <dl className="facts">
          <dt>{t('product.origin')}</dt>
          <dd>{product.originPath.join(' · ')}</dd>
          <dt>{t('catalog:product.cooperative')}</dt>
          <dd>
            <Link to={`/cooperatives/${cooperative.slug}`}>{cooperative.legalName}</Link>{' '}
            {cooperative.verificationStatus === 'verified' ? <span className="badge badge--verified">{t('catalog:cooperative.status.verified')}</span> : null}
          </dd>
        </dl>
      </section>

      <section className="panel" aria-labelledby="shipping-heading">
        <h2 id="shipping-heading">{t('catalog:shipping.title')}</h2>
        <p>
          {cooperative.shippingFlatFeeFen === 0
            ? t('catalog:shipping.free')
            : cooperative.freeShippingThresholdFen !== null
              ? t('catalog:shipping.feeWithThreshold', { fee: money(cooperative.shippingFlatFeeFen), threshold: money(cooperative.freeShippingThresholdFen) })
              : t('catalog:shipping.fee', { fee: money(cooperative.shippingFlatFeeFen) })}
        </p>
        {product.shippingNote ? <p className="pre-line">{product.shippingNote}</p> : null}
      </section>

      <section className="panel" aria-labelledby="after-sales-heading">
        <h2 id="after-sales-heading">{t('catalog:afterSales.title')}</h2>
        <ul>
          <li>{t('catalog:afterSales.perishable')}</li>
          <li>{t('catalog:afterSales.claim')}</li>
          <li>{t('catalog:afterSales.merchant')}</li>
        </ul>
      </section>

      <script type="application/ld+json" dangerouslySetInnerHTML={{ __html: jsonLd }} />
    </article>
  );
}

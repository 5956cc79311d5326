import { Link } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { useGiKindLabel } from '~/components/gi-badge';
import type { ProductPage } from '~/models/catalog.server';

/** The product's GI: what it is, where it is protected, and whether this cooperative may use the mark. */
export function GiPanel({ gi }: { gi: NonNullable<ProductPage['gi']> }) {
  const { t, i18n } = useTranslation();
  const kindLabel = useGiKindLabel();
  const english = i18n.language === 'en';
  return (
    <section className={gi.badge ? 'panel panel--gi' : 'panel panel--gi-missing'} aria-labelledby="gi-heading">
      <h2 id="gi-heading">{t('catalog:giPanel.title')}</h2>
      <dl className="facts">
        <dt>{t('catalog:giPanel.name')}</dt>
        <dd>
          <Link to={`/gi/${gi.slug}`}>{english && gi.nameEn ? gi.nameEn : gi.name}</Link>
        </dd>
        <dt>{t('catalog:giPanel.kind')}</dt>
        <dd>
          {kindLabel(gi.kind)}
          {gi.otherKinds.length > 0 ? ` ${t('catalog:giPanel.alsoKinds', { kinds: gi.otherKinds.map(kindLabel).join('、') })}` : null}
        </dd>
        <dt>{t('catalog:giPanel.registrationNumber')}</dt>
        <dd>{gi.registrationNumber ?? t('catalog:giPanel.registrationUnknown')}</dd>
        {gi.registeredOn ? (
          <>
            <dt>{t('catalog:giPanel.registeredOn')}</dt>
            <dd>{gi.registeredOn}</dd>
          </>
        ) : null}
        {gi.chinaEuList ? (
          <>
            <dt>{t('catalog:giPanel.chinaEu')}</dt>
            <dd>{t('catalog:giPanel.chinaEuList', { batch: gi.chinaEuList })}</dd>
          </>
        ) : null}
        <dt>{t('catalog:giPanel.protectedArea')}</dt>
        <dd>
          {gi.protectedArea.length > 0 ? gi.protectedArea.map((area) => area.path.join(' · ')).join('；') : t('catalog:giPanel.areaUnknown')}
        </dd>
        <dt>{t('catalog:giPanel.authorization')}</dt>
        <dd className={gi.badge ? 'status status--ok' : 'status status--warn'}>
          {gi.badge
            ? t('catalog:giPanel.approvedUser')
            : !gi.approvedUser
              ? t('catalog:giPanel.notApprovedUser')
              : gi.revokedAt
                ? t('catalog:giPanel.badgeRevoked')
                : t('catalog:giPanel.originOutsideArea')}
        </dd>
      </dl>
    </section>
  );
}

/**
 * The storefront's notice that shipping may be delayed: shown on product pages and at checkout
 * while a 物流受阻 report is open for the origin region or a region above it
 * (getOpenDelayNotices / getDelayNoticesForRegions in ~/models/reports.server).
 */
import type { LinksFunction } from '@remix-run/node';
import { useId } from 'react';
import { useTranslation } from '~/utils/use-translation';
import reportsStyles from '~/styles/reports.css';

/** The notice's stylesheet, for the `links` of a route that shows it. */
export const delayNoticeLinks: LinksFunction = () => [{ rel: 'stylesheet', href: reportsStyles }];

export interface DelayNoticeItem {
  reportId: string;
  summary: string;
  regionName: string;
}

export function DelayNotice({ notices, className }: { notices: readonly DelayNoticeItem[]; className?: string }) {
  const { t } = useTranslation();
  const titleId = useId();
  if (notices.length === 0) return null;
  return (
    <aside className={['form-notice', 'delay-notice', className].filter(Boolean).join(' ')} role="note" aria-labelledby={titleId}>
      <strong id={titleId} className="delay-notice__title">
        {t('delayNotice.title')}
      </strong>
      <p className="delay-notice__body">{t('delayNotice.body')}</p>
      <ul className="delay-notice__list">
        {notices.map((notice) => (
          <li key={notice.reportId}>{t('delayNotice.item', { region: notice.regionName, summary: notice.summary })}</li>
        ))}
      </ul>
    </aside>
  );
}

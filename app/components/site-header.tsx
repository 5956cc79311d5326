import { Form, useLocation } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { SearchSuggestInput } from '~/components/search-suggest';
import type { Locale } from '~/locales';
import { ListLink } from './list-link';

interface HeaderUser {
  displayName: string;
  roles: string[];
  isCooperativeMember: boolean;
  isAssociationStaff: boolean;
}

export function SiteHeader({ user, locale, cartCount, unreadNotifications }: { user: HeaderUser | null; locale: Locale; cartCount: number; unreadNotifications: number }) {
  const { t } = useTranslation();
  const location = useLocation();
  const here = location.pathname + location.search;
  return (
    <header className="site-header">
      <div className="site-header__top">
        {/* The link's name is its visible text (the mark is drawn by CSS), so speech input can say it. */}
        <ListLink to="/" className="brand" title={t('brand.home')}>
          <span className="brand__mark" aria-hidden="true" />
          <span className="brand__name">{t('brand.name')}</span>
        </ListLink>
        <nav className="site-header__nav" aria-label={t('nav.label')}>
          <ListLink to="/cart" aria-label={t('nav.cartWithCount', { count: cartCount })}>
            {t('nav.cart')}
            {cartCount > 0 ? <span className="nav-count" aria-hidden="true">{cartCount}</span> : null}
          </ListLink>
          {user ? (
            <>
              {user.isCooperativeMember ? <ListLink to="/coop">{t('nav.coop')}</ListLink> : null}
              {user.roles.includes('coordinator') || user.roles.includes('admin') ? <ListLink to="/coordinator">{t('nav.coordinator')}</ListLink> : null}
              {user.isAssociationStaff || user.roles.includes('coordinator') ? <ListLink to="/review">{t('nav.review')}</ListLink> : null}
              {user.isAssociationStaff || user.isCooperativeMember ? <ListLink to="/reports">{t('nav.reports')}</ListLink> : null}
              {user.roles.includes('admin') ? <ListLink to="/admin">{t('nav.admin')}</ListLink> : null}
              <ListLink to="/notifications" aria-label={t('nav.notificationsWithCount', { count: unreadNotifications })}>
                {t('nav.notifications')}
                {unreadNotifications > 0 ? <span className="nav-count" aria-hidden="true">{unreadNotifications}</span> : null}
              </ListLink>
              <ListLink to="/account">{t('nav.account')}</ListLink>
            </>
          ) : (
            <ListLink to={`/login?redirectTo=${encodeURIComponent(here)}`}>{t('nav.login')}</ListLink>
          )}
          <Form method="post" action="/locale" className="locale-switch">
            <input type="hidden" name="redirectTo" value={here} />
            <input type="hidden" name="locale" value={locale === 'zh-CN' ? 'en' : 'zh-CN'} />
            <button type="submit" className="link-button" lang={locale === 'zh-CN' ? 'en' : 'zh-CN'}>
              {locale === 'zh-CN' ? 'English' : '中文'}
            </button>
          </Form>
        </nav>
      </div>
      <Form method="get" action="/search" role="search" className="search-box">
        <label htmlFor="site-search" className="visually-hidden">
          {t('search.label')}
        </label>
        <SearchSuggestInput id="site-search" name="q" placeholder={t('search.placeholder')} defaultValue={location.pathname === '/search' ? (new URLSearchParams(location.search).get('q') ?? '') : ''} />
        <button type="submit">{t('search.submit')}</button>
      </Form>
    </header>
  );
}

import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { NavLink, Outlet } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { GeneralErrorBoundary } from '~/components/error-boundary';
import adminStyles from '~/styles/admin.css';
import { requireAdmin } from './access.server';

export const handle = { i18n: ['admin'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: adminStyles }];

export const meta: MetaFunction = () => [{ title: '管理 · 地标助农' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.app);
  return null;
}

const SECTIONS = ['users', 'cooperatives', 'associations', 'gis', 'coordinators', 'audit'] as const;

export default function AdminLayout() {
  const { t } = useTranslation();
  return (
    <div className="console">
      <nav className="console__nav" aria-label={t('admin:nav.label')}>
        <NavLink to="/admin" end>
          {t('admin:nav.overview')}
        </NavLink>
        {SECTIONS.map((section) => (
          <NavLink key={section} to={`/admin/${section}`}>
            {t(`admin:nav.${section}`)}
          </NavLink>
        ))}
        <NavLink to="/review">{t('admin:nav.review')}</NavLink>
      </nav>
      <div className="console__body">
        <Outlet />
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

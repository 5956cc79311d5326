import type { LoaderFunctionArgs } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { getAdminOverview } from '~/models/admin.server';
import { requireAdmin } from '../admin/access.server';

export const handle = { i18n: ['admin'] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.app);
  return getAdminOverview(context.app.db);
}

export default function AdminOverview() {
  const overview = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const tiles = [
    { to: '/admin/cooperatives?status=pending', label: t('admin:overview.pendingCooperatives'), value: overview.pendingCooperatives },
    { to: '/review/gi-authorizations', label: t('admin:overview.pendingAuthorizations'), value: overview.pendingAuthorizations },
    { to: '/admin/users', label: t('admin:overview.users'), value: overview.users },
    { to: '/admin/cooperatives', label: t('admin:overview.cooperatives'), value: overview.cooperatives },
    { to: '/admin/associations', label: t('admin:overview.associations'), value: overview.associations },
    { to: '/admin/gis', label: t('admin:overview.gis'), value: overview.gis },
    { to: '/admin/coordinators', label: t('admin:overview.coordinators'), value: overview.coordinators },
  ];
  return (
    <section>
      <h1>{t('admin:overview.title')}</h1>
      <ul className="tiles">
        {tiles.map((tile) => (
          <li key={tile.to}>
            <Link to={tile.to} className="tile">
              <span className="tile__value">{tile.value}</span>
              <span className="tile__label">{tile.label}</span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

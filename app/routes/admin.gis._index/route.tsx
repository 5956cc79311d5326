import type { LoaderFunctionArgs } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { listGis } from '~/models/admin.server';
import { requireAdmin } from '../admin/access.server';

export const handle = { i18n: ['admin'] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.app);
  return { gis: await listGis(context.app.db) };
}

export default function AdminGis() {
  const { gis } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  return (
    <section>
      <h1>{t('admin:gis.title')}</h1>
      <p>{t('admin:gis.intro')}</p>
      <p>
        <Link to="/admin/gis/new" className="button">
          {t('admin:gis.create')}
        </Link>
      </p>
      <ul className="admin-list">
        {gis.map((g) => (
          <li key={g.id} className="admin-list__item admin-list__item--stacked">
            <div>
              <Link to={`/admin/gis/${g.id}`}>
                <strong>{g.name}</strong>
              </Link>{' '}
              <span className="muted">{i18n.language === 'en' ? g.categoryNameEn : g.categoryName}</span>
            </div>
            <div className="muted">
              {g.kind ? t(`admin:giKinds.${g.kind}`) : t('admin:gis.kindUnconfirmed')} · {g.registrationNumber ?? t('admin:gis.noNumber')}
            </div>
            <div className="muted">{g.area.join('；') || '—'}</div>
          </li>
        ))}
      </ul>
    </section>
  );
}

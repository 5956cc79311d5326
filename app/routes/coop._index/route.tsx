import { redirect, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { listPortalCooperatives } from '~/models/products.server';
import { requireUser } from '~/utils/auth.server';

export const handle = { i18n: ['coop', 'onboarding'] };

export const meta: MetaFunction = () => [{ title: '合作社后台 · 地标助农' }];

/** The cooperatives the signed-in user manages; with exactly one, straight to it. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context.app);
  const cooperatives = await listPortalCooperatives(context.app.db, user.cooperativeIds);
  if (cooperatives.length === 1) throw redirect(`/coop/${cooperatives[0]!.slug}`);
  return { cooperatives };
}

export default function CooperativeList() {
  const { cooperatives } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('coop:portal')}</h1>
      {cooperatives.length === 0 ? (
        <p>{t('coop:noCooperatives')}</p>
      ) : (
        <ul className="coop-list">
          {cooperatives.map((c) => (
            <li key={c.id}>
              <Link to={`/coop/${c.slug}`}>{c.legalName}</Link>
              {c.verificationStatus !== 'verified' ? <span className="badge"> {t(`coop:verificationBadge.${c.verificationStatus}`)}</span> : null}
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link to="/coop/register" className="button button--secondary">
          {t('onboarding:register.title')}
        </Link>
      </p>
    </section>
  );
}

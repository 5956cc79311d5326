import type { LoaderFunctionArgs, MetaFunction, LinksFunction } from '@remix-run/node';
import { Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import adminStyles from '~/styles/admin.css';
import { listCooperativeAuthorizations, listGiRevokedProducts } from '~/models/gi-authorizations.server';
import { canApplyForGiAuthorization } from '~/utils/permissions-onboarding.server';
import { DateTime, Notice, StatusBadge } from '../admin/ui';
import { requireCooperativeAccess } from '../coop.$coop.members/access.server';

export const handle = { i18n: ['onboarding'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: adminStyles }];

export const meta: MetaFunction = () => [{ title: '地理标志授权 · 合作社后台 · 地标助农' }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user, cooperative } = await requireCooperativeAccess(request, params, context.app);
  const [authorizations, revokedProducts] = await Promise.all([
    listCooperativeAuthorizations(context.app.db, cooperative.id),
    listGiRevokedProducts(context.app.db, cooperative.id),
  ]);
  return {
    canApply: canApplyForGiAuthorization(user, cooperative),
    authorizations: authorizations.map((a) => ({ ...a, createdAt: a.createdAt.toISOString(), decidedAt: a.decidedAt?.toISOString() ?? null })),
    revokedProducts: revokedProducts.map((p) => ({ ...p, giRevokedAt: p.giRevokedAt?.toISOString() ?? null })),
  };
}

export default function CooperativeGiAuthorizations() {
  const { canApply, authorizations, revokedProducts } = useLoaderData<typeof loader>();
  const [searchParams] = useSearchParams();
  const { t } = useTranslation();
  return (
    <section className="onboarding">
      <h2>{t('onboarding:gi.title')}</h2>
      <p>{t('onboarding:gi.intro')}</p>
      {searchParams.get('applied') ? <Notice>{t('onboarding:gi.applied')}</Notice> : null}
      {canApply ? (
        <p>
          <Link to="new" className="button">
            {t('onboarding:gi.apply')}
          </Link>
        </p>
      ) : null}
      {revokedProducts.length ? (
        <div className="form-error" role="note">
          <p>{t('onboarding:gi.revokedProductsIntro')}</p>
          <ul>
            {revokedProducts.map((p) => (
              <li key={p.id}>
                {p.title} · {p.giName} · <DateTime value={p.giRevokedAt} />
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {authorizations.length === 0 ? (
        <p>{t('onboarding:gi.none')}</p>
      ) : (
        <ul className="admin-list">
          {authorizations.map((a) => (
            <li key={a.id} className="admin-list__item admin-list__item--stacked">
              <div>
                <strong>{a.giName}</strong> <StatusBadge status={a.status} />
              </div>
              <div className="muted">
                {t('onboarding:gi.appliedAt')} <DateTime value={a.createdAt} />
                {a.decidedAt ? (
                  <>
                    {' · '}
                    {t('onboarding:gi.decidedAt')} <DateTime value={a.decidedAt} />
                  </>
                ) : null}
              </div>
              {a.decisionReason ? <p>{t('onboarding:gi.reason', { reason: a.decisionReason })}</p> : null}
              {a.hasEvidence ? (
                <a href={`/review/evidence/${a.id}`} download>
                  {t('onboarding:gi.evidence')}
                </a>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

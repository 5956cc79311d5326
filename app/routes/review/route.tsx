import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { NavLink, Outlet } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { GeneralErrorBoundary } from '~/components/error-boundary';
import adminStyles from '~/styles/admin.css';
import { requireUserWith } from '~/utils/permissions.server';
import { canUseReviewDesk } from '~/utils/permissions-onboarding.server';

export const handle = { i18n: ['onboarding'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: adminStyles }];

export const meta: MetaFunction = () => [{ title: '审核台 · 地标助农' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUserWith(request, context.app, canUseReviewDesk);
  return null;
}

/** The review desk of association staff, coordinators and admins: verifications and GI applications. */
export default function ReviewLayout() {
  const { t } = useTranslation();
  return (
    <div className="console">
      <nav className="console__nav" aria-label={t('onboarding:review.navLabel')}>
        <NavLink to="/review" end>
          {t('onboarding:review.nav.overview')}
        </NavLink>
        <NavLink to="/review/gi-authorizations">{t('onboarding:review.nav.giAuthorizations')}</NavLink>
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

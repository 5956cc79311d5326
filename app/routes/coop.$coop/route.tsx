import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { NavLink, Outlet, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { GeneralErrorBoundary } from '~/components/error-boundary';
import styles from '~/styles/coop.css';
import { requirePortalAccess } from './access.server';

export const handle = { i18n: ['coop'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.cooperative.legalName ?? '合作社后台'} · 地标助农` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { cooperative } = await requirePortalAccess(request, context.app, params);
  return { cooperative };
}

export default function CooperativePortal() {
  const { cooperative } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const base = `/coop/${cooperative.slug}`;
  const links = [
    { to: base, label: t('coop:nav.dashboard'), end: true },
    { to: `${base}/products`, label: t('coop:nav.products') },
    { to: `${base}/orders`, label: t('coop:fulfilment.nav.orders') },
    { to: `${base}/claims`, label: t('coop:fulfilment.nav.claims') },
    { to: `${base}/settlement`, label: t('coop:fulfilment.nav.settlement') },
    { to: `${base}/import`, label: t('coop:nav.importExport') },
    { to: `${base}/members`, label: t('coop:nav.members') },
    { to: `${base}/gi-authorizations`, label: t('coop:nav.giAuthorizations') },
  ];
  return (
    <div className="coop">
      <header className="coop__header">
        <p className="coop__eyebrow">{t('coop:portal')}</p>
        <h1 className="coop__name">{cooperative.legalName}</h1>
        {cooperative.verificationStatus !== 'verified' ? (
          <p className="coop__unverified" role="note">
            {t(`coop:verification.${cooperative.verificationStatus}`)}
          </p>
        ) : null}
        <nav className="coop__nav" aria-label={t('coop:nav.label')}>
          {links.map((link) => (
            <NavLink key={link.to} to={link.to} end={link.end} prefetch="intent">
              {link.label}
            </NavLink>
          ))}
        </nav>
      </header>
      <Outlet />
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

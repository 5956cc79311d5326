import type { LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useLoaderData, useMatches, useRouteLoaderData } from '@remix-run/react';
import { I18nextProvider } from 'react-i18next';
import { GeneralErrorBoundary } from '~/components/error-boundary';
import { useListLinkNavigation } from '~/components/list-link';
import { getCartSummary } from '~/models/cart.server';
import { countUnreadNotifications } from '~/models/notifications.server';
import { SiteFooter } from '~/components/site-footer';
import { SiteHeader } from '~/components/site-header';
import styles from '~/styles/app.css';
import { getOptionalUser } from '~/utils/auth.server';
import { publicEnv } from '~/utils/env.server';
import { InlineTranslationsScript, routeNamespaces, useI18nHost, useTranslationsLoaded } from '~/utils/i18n-document';
import { getLocale } from '~/utils/locale.server';
import { useNonce } from '~/utils/nonce-provider';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: styles },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

/** Every page: `common`, and `search` for the header's suggestions. Routes add theirs (~/utils/i18n-document). */
export const handle = { i18n: ['common', 'search'] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getOptionalUser(request, context.app);
  const [cart, unreadNotifications] = await Promise.all([
    getCartSummary(context.app, request, user),
    user ? countUnreadNotifications(context.app.db, user.id) : Promise.resolve(0),
  ]);
  return {
    locale: getLocale(request),
    cartCount: cart.count,
    unreadNotifications,
    user: user && { id: user.id, displayName: user.displayName, roles: user.roles, isCooperativeMember: user.cooperativeIds.length > 0, isAssociationStaff: user.associationIds.length > 0 },
    env: publicEnv(context.app.env),
  };
}

export type RootLoaderData = Awaited<ReturnType<typeof loader>>;

export function useRootData() {
  return useRouteLoaderData<typeof loader>('root');
}

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRouteLoaderData<typeof loader>('root');
  const i18nHost = useI18nHost();
  const locale = data?.locale ?? i18nHost.locale;
  const namespaces = routeNamespaces(useMatches());
  // The language's own instance, so a switch renders the whole page in the new language at once.
  const i18n = i18nHost.instanceFor(locale);
  useTranslationsLoaded(i18n, namespaces);
  const nonce = useNonce();
  useListLinkNavigation();
  return (
    <I18nextProvider i18n={i18n}>
      <html lang={locale}>
        <head>
          <meta charSet="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="theme-color" content="#b3261e" />
          <Meta />
          <Links />
        </head>
        <body>
          <SiteHeader user={data?.user ?? null} locale={locale} cartCount={data?.cartCount ?? 0} unreadNotifications={data?.unreadNotifications ?? 0} />
          <main id="main" className="page">
            {children}
          </main>
          <SiteFooter operatorName={data?.env.operatorName ?? ''} operatorIcp={data?.env.operatorIcp ?? ''} />
          <InlineTranslationsScript text={i18nHost.inlineText(locale, namespaces)} nonce={nonce} />
          <ScrollRestoration nonce={nonce} />
          <Scripts nonce={nonce} />
        </body>
      </html>
    </I18nextProvider>
  );
}

export default function App() {
  useLoaderData<typeof loader>();
  return <Outlet />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

import type { LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useLoaderData, useRouteLoaderData } from '@remix-run/react';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { GeneralErrorBoundary } from '~/components/error-boundary';
import { getCartSummary } from '~/models/cart.server';
import { countUnreadNotifications } from '~/models/notifications.server';
import { SiteFooter } from '~/components/site-footer';
import { SiteHeader } from '~/components/site-header';
import styles from '~/styles/app.css';
import { getOptionalUser } from '~/utils/auth.server';
import { publicEnv } from '~/utils/env.server';
import { getLocale } from '~/utils/locale.server';
import { useNonce } from '~/utils/nonce-provider';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: styles },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

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
  const locale = data?.locale ?? 'zh-CN';
  const { i18n } = useTranslation();
  const nonce = useNonce();
  useEffect(() => {
    if (i18n.language !== locale) void i18n.changeLanguage(locale);
  }, [i18n, locale]);
  return (
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
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  useLoaderData<typeof loader>();
  return <Outlet />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

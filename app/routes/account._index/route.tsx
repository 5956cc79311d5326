import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { getUserById } from '~/models/user.server';
import { requireUser } from '~/utils/auth.server';
import { notFound } from '~/utils/http.server';

export const handle = { i18n: ['account', 'orders'] };

export const meta: MetaFunction = () => [{ title: '我的账号 · 地标助农' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context.app);
  const record = await getUserById(context.app.db, user.id);
  if (!record) notFound();
  return {
    user: {
      displayName: user.displayName,
      mobile: user.mobile,
      email: user.email,
      roles: user.roles,
      isCooperativeMember: user.cooperativeIds.length > 0,
      isAssociationStaff: user.associationIds.length > 0,
      memberSince: record.createdAt.toISOString(),
    },
    passwordChanged: new URL(request.url).searchParams.get('passwordChanged') === '1',
  };
}

export default function Account() {
  const { user, passwordChanged } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const roleNames = [
    ...user.roles.map((role) => t(`account:roles.${role}`)),
    ...(user.isCooperativeMember ? [t('account:roles.cooperativeMember')] : []),
    ...(user.isAssociationStaff ? [t('account:roles.associationStaff')] : []),
  ];
  return (
    <section>
      <h1>{t('account:index.title')}</h1>
      {passwordChanged ? (
        <p className="form-notice" role="status">
          {t('account:index.passwordChanged')}
        </p>
      ) : null}
      <h2>{t('account:index.profile')}</h2>
      <dl className="account-profile">
        <dt>{t('account:index.displayName')}</dt>
        <dd>{user.displayName}</dd>
        <dt>{t('account:index.mobile')}</dt>
        <dd>{user.mobile ?? t('account:index.none')}</dd>
        <dt>{t('account:index.email')}</dt>
        <dd>{user.email ?? t('account:index.none')}</dd>
        <dt>{t('account:index.roles')}</dt>
        <dd>{roleNames.join('、')}</dd>
        <dt>{t('account:index.memberSince')}</dt>
        <dd>{new Date(user.memberSince).toLocaleDateString(i18n.language, { timeZone: 'Asia/Shanghai' })}</dd>
      </dl>
      <p>
        <Link to="/orders" className="button button--secondary">
          {t('orders:list.title')}
        </Link>{' '}
        <Link to="/account/addresses" className="button button--secondary">
          {t('orders:addresses.title')}
        </Link>
      </p>
      <h2>{t('account:index.security')}</h2>
      <p>
        <Link to="/account/password" className="button button--secondary">
          {t('account:index.changePassword')}
        </Link>{' '}
        <Link to="/logout" className="button button--secondary">
          {t('account:index.logout')}
        </Link>
      </p>
      <h2>{t('account:index.privacy')}</h2>
      <p>{t('account:index.exportIntro')}</p>
      <p>
        <a href="/account/export" download className="button button--secondary">
          {t('account:index.exportData')}
        </a>{' '}
        <Link to="/account/delete" className="button button--danger">
          {t('account:index.deleteAccount')}
        </Link>
      </p>
    </section>
  );
}

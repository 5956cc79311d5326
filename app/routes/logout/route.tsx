import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { destroySession, getOptionalUser } from '~/utils/auth.server';

export const handle = { i18n: ['auth'] };

export const meta: MetaFunction = () => [{ title: '退出登录 · 地标助农' }];

/** GET only asks: a link or prefetch must never sign anyone out. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  if (!(await getOptionalUser(request, context.app))) throw redirect('/');
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  return destroySession(context.app, request, '/');
}

export default function Logout() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('auth:logout.title')}</h1>
      <p>{t('auth:logout.confirm')}</p>
      <Form method="post" className="form">
        <button type="submit" className="button">
          {t('auth:logout.submit')}
        </button>
        <Link to="/account" className="button button--secondary">
          {t('auth:logout.cancel')}
        </Link>
      </Form>
    </section>
  );
}

import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, type LinksFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useLocation } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import adminStyles from '~/styles/admin.css';
import { acceptInvitation, findInvitationByToken, maskContact } from '~/models/cooperatives.server';
import { getOptionalUser, requireUser } from '~/utils/auth.server';
import { canAcceptInvitation } from '~/utils/permissions-onboarding.server';

export const handle = { i18n: ['onboarding'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: adminStyles }];

export const meta: MetaFunction = () => [{ title: '加入合作社 · 地标助农' }, { name: 'robots', content: 'noindex' }, { name: 'referrer', content: 'no-referrer' }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const invitation = await findInvitationByToken(app.db, params.token ?? '', app.now());
  // An unknown, spent or lapsed link says only that, with the matching status.
  if (!invitation) return data({ state: 'not_found' as const, cooperativeName: null, contact: null, signedIn: false, matches: false }, { status: 404 });
  if (invitation.state !== 'open') {
    return data({ state: invitation.state, cooperativeName: invitation.cooperativeName, contact: null, signedIn: false, matches: false }, { status: 410 });
  }
  const user = await getOptionalUser(request, app);
  return {
    state: invitation.state,
    cooperativeName: invitation.cooperativeName,
    contact: maskContact(invitation.contact),
    signedIn: Boolean(user),
    matches: canAcceptInvitation(user, invitation),
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const result = await acceptInvitation(app.db, { token: params.token ?? '', user, now: app.now() });
  if (result.ok) return redirect(`/coop/${result.cooperativeSlug}/members?joined=1`);
  const status = result.error === 'not_found' ? 404 : result.error === 'wrong_account' ? 403 : 410;
  return data({ error: result.error }, { status });
}

export default function Invitation() {
  const invitation = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as { error?: string } | undefined;
  const { t } = useTranslation();
  const redirectTo = encodeURIComponent(useLocation().pathname);
  if (invitation.state !== 'open') {
    return (
      <section className="onboarding">
        <h1>{t('onboarding:invitation.title')}</h1>
        <p className="form-error">{t(`onboarding:invitation.state.${invitation.state}`)}</p>
      </section>
    );
  }
  return (
    <section className="onboarding">
      <h1>{t('onboarding:invitation.title')}</h1>
      <p>{t('onboarding:invitation.intro', { cooperative: invitation.cooperativeName, contact: invitation.contact })}</p>
      {actionData?.error ? <p className="form-error">{t(`onboarding:invitation.error.${actionData.error}`)}</p> : null}
      {!invitation.signedIn ? (
        <p>
          {t('onboarding:invitation.signInFirst')}{' '}
          <Link to={`/login?redirectTo=${redirectTo}`} className="button">
            {t('onboarding:invitation.login')}
          </Link>{' '}
          <Link to={`/signup?redirectTo=${redirectTo}`} className="button button--secondary">
            {t('onboarding:invitation.signup')}
          </Link>
        </p>
      ) : invitation.matches ? (
        <Form method="post">
          <button type="submit" className="button">
            {t('onboarding:invitation.accept')}
          </button>
        </Form>
      ) : (
        <p className="form-error">{t('onboarding:invitation.wrongAccount', { contact: invitation.contact })}</p>
      )}
    </section>
  );
}

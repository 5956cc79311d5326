import { getFormProps, getInputProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, type LinksFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import adminStyles from '~/styles/admin.css';
import { z } from 'zod';
import { Field, FormErrors } from '~/components/forms';
import { cancelInvitation, createInvitation, emailBaseUrl, listCooperativeMembers, listOpenInvitations, removeMember } from '~/models/cooperatives.server';
import { parseAccount } from '~/models/user.server';
import { forbidden, notFound } from '~/utils/http.server';
import { getLocale } from '~/utils/locale.server';
import { DateTime, Notice, resultFor, useFormId } from '../admin/ui';
import { requireCooperativeAccess } from './access.server';

export const handle = { i18n: ['onboarding'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: adminStyles }];

export const meta: MetaFunction = () => [{ title: '成员 · 合作社后台 · 地标助农' }];

const schema = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('invite'),
    contact: z
      .string({ required_error: 'onboarding:errors.contactInvalid' })
      .trim()
      .refine((v) => parseAccount(v) !== null, 'onboarding:errors.contactInvalid'),
  }),
  z.object({ intent: z.literal('cancel'), invitationId: z.coerce.number().int().positive() }),
  z.object({ intent: z.literal('remove'), userId: z.string().uuid() }),
]);

const loadAccess = ({ request, params, context }: LoaderFunctionArgs) => requireCooperativeAccess(request, params, context.app);

export async function loader(args: LoaderFunctionArgs) {
  const { cooperative, canManageMembers } = await loadAccess(args);
  const { db } = args.context.app;
  const now = args.context.app.now();
  const [members, invitations] = await Promise.all([
    listCooperativeMembers(db, cooperative.id),
    canManageMembers ? listOpenInvitations(db, cooperative.id) : Promise.resolve([]),
  ]);
  return {
    cooperative: { status: cooperative.verificationStatus, note: cooperative.verificationNote },
    canManageMembers,
    members: members.map((m) => ({ ...m, joinedAt: m.joinedAt.toISOString() })),
    invitations: invitations.map((i) => ({ id: i.id, contact: i.contact, expiresAt: i.expiresAt.toISOString(), expired: i.expiresAt <= now })),
  };
}

export async function action(args: ActionFunctionArgs) {
  const { request, context } = args;
  const { app } = context;
  const { user, cooperative, canManageMembers } = await loadAccess(args);
  if (!canManageMembers) forbidden();
  const submission = parseWithZod(await request.formData(), { schema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const here = `/coop/${cooperative.slug}/members`;
  const value = submission.value;
  switch (value.intent) {
    case 'invite': {
      const result = await createInvitation(app.db, {
        cooperativeId: cooperative.id,
        contact: parseAccount(value.contact)!,
        invitedBy: user.id,
        now: app.now(),
        baseUrl: emailBaseUrl(app.env, request),
        locale: getLocale(request),
      });
      if (!result.ok) return data(submission.reply({ fieldErrors: { contact: ['onboarding:errors.alreadyMember'] } }), { status: 400 });
      if (result.kind === 'email') return redirect(`${here}?invited=email`);
      // No SMS gateway: the link is shown once, now, for the owner to pass on. It cannot survive
      // a redirect, as only its hash is stored.
      return { ...submission.reply({ resetForm: true }), inviteLink: result.link };
    }
    case 'cancel':
      if (!(await cancelInvitation(app.db, { cooperativeId: cooperative.id, invitationId: value.invitationId, actorUserId: user.id }))) notFound();
      return redirect(`${here}?cancelled=1`);
    case 'remove':
      if (!(await removeMember(app.db, { cooperativeId: cooperative.id, userId: value.userId, actorUserId: user.id }))) notFound();
      return redirect(`${here}?removed=1`);
  }
}

export default function CooperativeMembers() {
  const { cooperative, canManageMembers, members, invitations } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as (SubmissionResult<string[]> & { inviteLink?: string }) | undefined;
  const [searchParams] = useSearchParams();
  const { t } = useTranslation();
  const [form, fields] = useForm<{ contact: string }>({
    id: useFormId('invite-member'),
    // A link shown for a mobile invitation comes with a reset of the form (no `intent` left in it).
    lastResult: actionData?.inviteLink ? actionData : resultFor(actionData, 'invite'),
  });
  return (
    <section className="onboarding">
      <h2>{t('onboarding:members.title')}</h2>
      {searchParams.get('registered') ? <Notice>{t('onboarding:members.registered')}</Notice> : null}
      {cooperative.status !== 'verified' && cooperative.note ? <p className="form-error">{t('onboarding:members.decisionNote', { note: cooperative.note })}</p> : null}
      {searchParams.get('joined') ? <Notice>{t('onboarding:members.joined')}</Notice> : null}
      {searchParams.get('invited') ? <Notice>{t('onboarding:members.invitedByEmail')}</Notice> : null}
      {searchParams.get('cancelled') ? <Notice>{t('onboarding:members.invitationCancelled')}</Notice> : null}
      {searchParams.get('removed') ? <Notice>{t('onboarding:members.memberRemoved')}</Notice> : null}
      {actionData?.inviteLink ? (
        <div className="form-notice" role="status">
          <p>{t('onboarding:members.inviteLinkIntro')}</p>
          <p className="invite-link">
            <code>{actionData.inviteLink}</code>
          </p>
        </div>
      ) : null}

      <h3>{t('onboarding:members.listTitle')}</h3>
      <ul className="admin-list">
        {members.map((m) => (
          <li key={m.userId} className="admin-list__item">
            <div>
              <strong>{m.displayName}</strong> <span className="chip-inline">{t(`onboarding:members.role.${m.role}`)}</span>
              <div className="muted">{[m.email, m.mobile].filter(Boolean).join(' · ')}</div>
            </div>
            {canManageMembers && m.role === 'member' ? (
              <Form method="post">
                <input type="hidden" name="userId" value={m.userId} />
                <button type="submit" name="intent" value="remove" className="button button--secondary">
                  {t('onboarding:members.remove')}
                </button>
              </Form>
            ) : null}
          </li>
        ))}
      </ul>

      {canManageMembers ? (
        <>
          <h3>{t('onboarding:members.inviteTitle')}</h3>
          <Form method="post" className="form" {...getFormProps(form)}>
            <FormErrors id={form.errorId} errors={form.errors} />
            <Field
              label={t('onboarding:members.contact')}
              help={t('onboarding:members.contactHelp')}
              inputProps={{ ...getInputProps(fields.contact, { type: 'text' }), autoCapitalize: 'none', spellCheck: false }}
              errors={fields.contact.errors}
            />
            <button type="submit" name="intent" value="invite" className="button">
              {t('onboarding:members.invite')}
            </button>
          </Form>
          {invitations.length ? (
            <>
              <h3>{t('onboarding:members.invitationsTitle')}</h3>
              <ul className="admin-list">
                {invitations.map((i) => (
                  <li key={i.id} className="admin-list__item">
                    <div>
                      {i.contact}
                      <div className="muted">
                        {i.expired ? t('onboarding:members.expired') : t('onboarding:members.expires')} <DateTime value={i.expiresAt} />
                      </div>
                    </div>
                    <Form method="post">
                      <input type="hidden" name="invitationId" value={i.id} />
                      <button type="submit" name="intent" value="cancel" className="button button--secondary">
                        {t('onboarding:members.cancel')}
                      </button>
                    </Form>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

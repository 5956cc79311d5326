import { getFormProps, getInputProps, getSelectProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { CheckboxField, Field, FormErrors } from '~/components/forms';
import { changeCoordinatorRegion, listCoordinators } from '~/models/admin.server';
import { notFound } from '~/utils/http.server';
import { requireAdmin } from '../admin/access.server';
import { regionCodeSchema } from '../admin/schemas';
import { Notice, resultFor, SelectField, useFormId } from '../admin/ui';

export const handle = { i18n: ['admin', 'onboarding'] };

const schema = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('assign'),
    userId: z.string({ required_error: 'admin:errors.coordinator' }).uuid('admin:errors.coordinator'),
    regionCode: regionCodeSchema,
    lead: z.boolean().optional(),
  }),
  z.object({ intent: z.literal('set_lead'), userId: z.string().uuid(), regionCode: regionCodeSchema }),
  z.object({ intent: z.literal('remove'), userId: z.string().uuid(), regionCode: regionCodeSchema }),
]);

const ERRORS = {
  not_coordinator: ['userId', 'admin:errors.coordinator'],
  region_invalid: ['regionCode', 'admin:errors.regionCode'],
} as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.app);
  return { coordinators: await listCoordinators(context.app.db) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireAdmin(request, app);
  const submission = parseWithZod(await request.formData(), { schema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const v = submission.value;
  const change = v.intent === 'assign' ? { kind: v.intent, userId: v.userId, regionCode: v.regionCode, lead: Boolean(v.lead) } : { kind: v.intent, userId: v.userId, regionCode: v.regionCode };
  const result = await changeCoordinatorRegion(app.db, { actor: user, change });
  if (!result.ok) {
    if (result.error === 'not_found') notFound();
    const [field, message] = ERRORS[result.error];
    return data(submission.reply({ fieldErrors: { [field]: [message] } }), { status: 400 });
  }
  return redirect('/admin/coordinators?saved=1');
}

function RegionButton({ intent, userId, regionCode, label }: { intent: string; userId: string; regionCode: string; label: string }) {
  return (
    <Form method="post">
      <input type="hidden" name="userId" value={userId} />
      <input type="hidden" name="regionCode" value={regionCode} />
      <button type="submit" name="intent" value={intent} className="button button--secondary">
        {label}
      </button>
    </Form>
  );
}

export default function AdminCoordinators() {
  const { coordinators } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const [searchParams] = useSearchParams();
  const { t } = useTranslation();
  const [form, fields] = useForm<{ userId: string; regionCode: string; lead: boolean }>({ id: useFormId('assign-region'), lastResult: resultFor(lastResult, 'assign') });
  return (
    <section>
      <h1>{t('admin:coordinators.title')}</h1>
      <p>{t('admin:coordinators.intro')}</p>
      {searchParams.get('saved') ? <Notice>{t('admin:saved')}</Notice> : null}
      {coordinators.length === 0 ? (
        <p className="muted">
          {t('admin:coordinators.none')} <Link to="/admin/users?role=coordinator">{t('admin:nav.users')}</Link>
        </p>
      ) : null}
      <ul className="admin-list">
        {coordinators.map((c) => (
          <li key={c.id} className="admin-list__item admin-list__item--stacked">
            <div>
              <strong>{c.displayName}</strong> <span className="muted">{[c.email, c.mobile].filter(Boolean).join(' · ')}</span>
            </div>
            <ul className="admin-list admin-list--nested">
              {c.regions.map((r) => (
                <li key={r.code} className="admin-list__item">
                  <div>
                    {r.label} <span className="muted">{r.code}</span> {r.isLead ? <span className="status status--verified">{t('admin:coordinators.lead')}</span> : null}
                  </div>
                  <div className="button-row">
                    {r.isLead ? null : <RegionButton intent="set_lead" userId={c.id} regionCode={r.code} label={t('admin:coordinators.makeLead')} />}
                    <RegionButton intent="remove" userId={c.id} regionCode={r.code} label={t('admin:remove')} />
                  </div>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
      {coordinators.length ? (
        <>
          <h2>{t('admin:coordinators.assign')}</h2>
          <Form method="post" className="form" {...getFormProps(form)}>
            <FormErrors id={form.errorId} errors={form.errors} />
            <SelectField
              label={t('admin:coordinators.coordinator')}
              selectProps={getSelectProps(fields.userId)}
              placeholder={t('admin:choose')}
              options={coordinators.map((c) => ({ value: c.id, label: c.displayName }))}
              errors={fields.userId.errors}
            />
            <Field
              label={t('admin:coordinators.regionCode')}
              help={t('admin:regionCodeHelp')}
              inputProps={{ ...getInputProps(fields.regionCode, { type: 'text' }), inputMode: 'numeric', maxLength: 6 }}
              errors={fields.regionCode.errors}
            />
            <CheckboxField label={t('admin:coordinators.leadCheckbox')} inputProps={getInputProps(fields.lead, { type: 'checkbox' })} errors={fields.lead.errors} />
            <button type="submit" name="intent" value="assign" className="button">
              {t('admin:coordinators.assignSubmit')}
            </button>
          </Form>
        </>
      ) : null}
    </section>
  );
}

import { getFormProps, getInputProps, getSelectProps, getTextareaProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { Field, FormErrors, TextareaField } from '~/components/forms';
import { changeAssociation, getAssociationDetail, listGiOptions, saveAssociation, type AssociationChange } from '~/models/admin.server';
import { parseAccount } from '~/models/user.server';
import { notFound } from '~/utils/http.server';
import { requireAdmin } from '../admin/access.server';
import { accountSchema, ASSOCIATION_SAVE_ERRORS, associationSchema, regionCodeSchema } from '../admin/schemas';
import { Notice, resultFor, SelectField, useFormId } from '../admin/ui';
import { idParam } from '../review/access.server';

export const handle = { i18n: ['admin', 'onboarding'] };

const schema = z.discriminatedUnion('intent', [
  associationSchema.extend({ intent: z.literal('update') }),
  z.object({ intent: z.literal('member_added'), account: accountSchema }),
  z.object({ intent: z.literal('member_removed'), userId: z.string().uuid() }),
  z.object({ intent: z.literal('gi_added'), giId: z.coerce.number({ invalid_type_error: 'admin:errors.required' }).int().positive('admin:errors.required') }),
  z.object({ intent: z.literal('gi_removed'), giId: z.coerce.number().int().positive() }),
  z.object({ intent: z.literal('region_added'), regionCode: regionCodeSchema }),
  z.object({ intent: z.literal('region_removed'), regionCode: regionCodeSchema }),
]);

const CHANGE_ERRORS: Record<string, [string, string]> = {
  user_not_found: ['account', 'admin:errors.userNotFound'],
  gi_not_found: ['giId', 'admin:errors.required'],
  region_invalid: ['regionCode', 'admin:errors.regionCode'],
};

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.app);
  const id = idParam(params.id);
  const detail = id === null ? null : await getAssociationDetail(context.app.db, id);
  if (!detail) notFound();
  return { ...detail, association: { ...detail.association, createdAt: detail.association.createdAt.toISOString() }, gis: await listGiOptions(context.app.db), giList: detail.gis };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireAdmin(request, app);
  const id = idParam(params.id);
  if (id === null) notFound();
  const submission = parseWithZod(await request.formData(), { schema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const value = submission.value;
  const now = app.now();
  if (value.intent === 'update') {
    const result = await saveAssociation(app.db, { actor: user, id, input: { ...value, description: value.description ?? '' }, now });
    if (!result.ok && result.error === 'not_found') notFound();
    if (!result.ok && result.error !== 'not_found') {
      const [field, message] = ASSOCIATION_SAVE_ERRORS[result.error];
      return data(submission.reply({ fieldErrors: { [field]: [message] } }), { status: 400 });
    }
    return redirect(`/admin/associations/${id}?saved=1`);
  }
  const change: AssociationChange =
    value.intent === 'member_added' ? { kind: value.intent, account: parseAccount(value.account)! } : ({ kind: value.intent, ...value } as AssociationChange);
  const result = await changeAssociation(app.db, { actor: user, associationId: id, change, now });
  if (!result.ok && result.error === 'not_found') notFound();
  if (!result.ok && CHANGE_ERRORS[result.error]) {
    const [field, message] = CHANGE_ERRORS[result.error]!;
    return data(submission.reply({ fieldErrors: { [field]: [message] } }), { status: 400 });
  }
  return redirect(`/admin/associations/${id}?saved=1`);
}

function RemoveButton({ intent, name, value, label }: { intent: string; name: string; value: string | number; label: string }) {
  return (
    <Form method="post">
      <input type="hidden" name={name} value={value} />
      <button type="submit" name="intent" value={intent} className="button button--secondary">
        {label}
      </button>
    </Form>
  );
}

export default function AdminAssociation() {
  const { association, members, giList, regions, gis } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const [searchParams] = useSearchParams();
  const { t } = useTranslation();
  const [editForm, edit] = useForm({
    id: useFormId('edit-association'),
    lastResult: resultFor(lastResult, 'update'),
    defaultValue: { name: association.name, slug: association.slug, regionCode: association.regionCode, description: association.description },
  });
  const [memberForm, member] = useForm<{ account: string }>({ id: useFormId('add-member'), lastResult: resultFor(lastResult, 'member_added') });
  const [giForm, gi] = useForm<{ giId: string }>({ id: useFormId('add-gi'), lastResult: resultFor(lastResult, 'gi_added') });
  const [regionForm, region] = useForm<{ regionCode: string }>({ id: useFormId('add-region'), lastResult: resultFor(lastResult, 'region_added') });
  const linked = new Set(giList.map((g) => g.id));
  return (
    <section>
      <h1>{association.name}</h1>
      {searchParams.get('saved') ? <Notice>{t('admin:saved')}</Notice> : null}
      <p className="muted">{association.regionLabel}</p>

      <h2>{t('admin:associations.members')}</h2>
      <ul className="admin-list">
        {members.map((m) => (
          <li key={m.userId} className="admin-list__item">
            <div>
              {m.displayName} <span className="muted">{[m.email, m.mobile].filter(Boolean).join(' · ')}</span>
            </div>
            <RemoveButton intent="member_removed" name="userId" value={m.userId} label={t('admin:remove')} />
          </li>
        ))}
      </ul>
      <Form method="post" className="form form--inline" {...getFormProps(memberForm)}>
        <FormErrors id={memberForm.errorId} errors={memberForm.errors} />
        <Field label={t('admin:associations.addMember')} help={t('admin:accountHelp')} inputProps={getInputProps(member.account, { type: 'text' })} errors={member.account?.errors} />
        <button type="submit" name="intent" value="member_added" className="button">
          {t('admin:add')}
        </button>
      </Form>

      <h2>{t('admin:associations.gis')}</h2>
      <ul className="admin-list">
        {giList.map((g) => (
          <li key={g.id} className="admin-list__item">
            <div>{g.name}</div>
            <RemoveButton intent="gi_removed" name="giId" value={g.id} label={t('admin:remove')} />
          </li>
        ))}
      </ul>
      <Form method="post" className="form form--inline" {...getFormProps(giForm)}>
        <SelectField
          label={t('admin:associations.addGi')}
          selectProps={getSelectProps(gi.giId)}
          placeholder={t('admin:choose')}
          options={gis.filter((g) => !linked.has(g.id)).map((g) => ({ value: String(g.id), label: g.name }))}
          errors={gi.giId?.errors}
        />
        <button type="submit" name="intent" value="gi_added" className="button">
          {t('admin:add')}
        </button>
      </Form>

      <h2>{t('admin:associations.regions')}</h2>
      <ul className="admin-list">
        {regions.map((r) => (
          <li key={r.code} className="admin-list__item">
            <div>
              {r.label} <span className="muted">{r.code}</span>
            </div>
            <RemoveButton intent="region_removed" name="regionCode" value={r.code} label={t('admin:remove')} />
          </li>
        ))}
      </ul>
      <Form method="post" className="form form--inline" {...getFormProps(regionForm)}>
        <Field
          label={t('admin:associations.addRegion')}
          help={t('admin:regionCodeHelp')}
          inputProps={{ ...getInputProps(region.regionCode, { type: 'text' }), inputMode: 'numeric', maxLength: 6 }}
          errors={region.regionCode?.errors}
        />
        <button type="submit" name="intent" value="region_added" className="button">
          {t('admin:add')}
        </button>
      </Form>

      <h2>{t('admin:associations.edit')}</h2>
      <Form method="post" className="form" {...getFormProps(editForm)}>
        <FormErrors id={editForm.errorId} errors={editForm.errors} />
        <Field label={t('admin:associations.name')} inputProps={getInputProps(edit.name!, { type: 'text' })} errors={edit.name?.errors} />
        <Field label={t('admin:associations.slug')} inputProps={getInputProps(edit.slug!, { type: 'text' })} errors={edit.slug?.errors} />
        <Field
          label={t('admin:associations.regionCode')}
          help={t('admin:regionCodeHelp')}
          inputProps={{ ...getInputProps(edit.regionCode!, { type: 'text' }), inputMode: 'numeric', maxLength: 6 }}
          errors={edit.regionCode?.errors}
        />
        <TextareaField label={t('admin:associations.description')} textareaProps={{ ...getTextareaProps(edit.description!), rows: 3 }} errors={edit.description?.errors} />
        <button type="submit" name="intent" value="update" className="button">
          {t('admin:save')}
        </button>
      </Form>
    </section>
  );
}

import { getFormProps, getInputProps, getTextareaProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { Field, FormErrors, TextareaField } from '~/components/forms';
import { listAssociations, saveAssociation } from '~/models/admin.server';
import { requireAdmin } from '../admin/access.server';
import { associationSchema, ASSOCIATION_SAVE_ERRORS } from '../admin/schemas';

export const handle = { i18n: ['admin'] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.app);
  return { associations: await listAssociations(context.app.db) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireAdmin(request, app);
  const submission = parseWithZod(await request.formData(), { schema: associationSchema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const result = await saveAssociation(app.db, { actor: user, input: { ...submission.value, description: submission.value.description ?? '' }, now: app.now() });
  if (!result.ok) {
    const [field, message] = result.error === 'not_found' ? ['', 'admin:errors.required'] : ASSOCIATION_SAVE_ERRORS[result.error];
    return data(submission.reply({ fieldErrors: { [field]: [message] } }), { status: 400 });
  }
  return redirect(`/admin/associations/${result.id}?saved=1`);
}

export default function AdminAssociations() {
  const { associations } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const { t } = useTranslation();
  const [form, fields] = useForm<z.input<typeof associationSchema>>({ id: 'new-association', lastResult });
  return (
    <section>
      <h1>{t('admin:associations.title')}</h1>
      <ul className="admin-list">
        {associations.map((a) => (
          <li key={a.id} className="admin-list__item">
            <div>
              <Link to={`/admin/associations/${a.id}`}>
                <strong>{a.name}</strong>
              </Link>
              <div className="muted">
                {a.regionName} · {t('admin:associations.counts', { members: a.members, gis: a.gis, regions: a.regions })}
              </div>
            </div>
          </li>
        ))}
      </ul>
      <h2>{t('admin:associations.create')}</h2>
      <Form method="post" className="form" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field label={t('admin:associations.name')} inputProps={getInputProps(fields.name, { type: 'text' })} errors={fields.name.errors} />
        <Field label={t('admin:associations.slug')} help={t('admin:associations.slugHelp')} inputProps={getInputProps(fields.slug, { type: 'text' })} errors={fields.slug.errors} />
        <Field
          label={t('admin:associations.regionCode')}
          help={t('admin:regionCodeHelp')}
          inputProps={{ ...getInputProps(fields.regionCode, { type: 'text' }), inputMode: 'numeric', maxLength: 6 }}
          errors={fields.regionCode.errors}
        />
        <TextareaField label={t('admin:associations.description')} textareaProps={{ ...getTextareaProps(fields.description), rows: 3 }} errors={fields.description.errors} />
        <button type="submit" className="button">
          {t('admin:associations.createSubmit')}
        </button>
      </Form>
    </section>
  );
}

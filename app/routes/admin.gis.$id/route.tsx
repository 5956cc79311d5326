import { getFormProps, getInputProps, getSelectProps, getTextareaProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { CheckboxField, Field, FormErrors, TextareaField } from '~/components/forms';
import type { GiKind } from '~/db/schema';
import { getGi, listCategories, saveGi } from '~/models/admin.server';
import { notFound } from '~/utils/http.server';
import { requireAdmin } from '../admin/access.server';
import { requiredText, slugSchema } from '../admin/schemas';
import { Notice, SelectField, useFormId } from '../admin/ui';
import { idParam } from '../review/access.server';

export const handle = { i18n: ['admin', 'onboarding'] };

const GI_KINDS = ['protected_product', 'certification_mark', 'collective_mark', 'agricultural_product'] as const satisfies readonly GiKind[];

const giSchema = z.object({
  slug: z.string({ required_error: 'admin:errors.slug' }).pipe(slugSchema),
  name: requiredText(60),
  nameEn: z.string().trim().max(120, 'admin:errors.tooLong').optional(),
  kind: z.enum(GI_KINDS).optional(),
  otherKinds: z.array(z.enum(GI_KINDS)).optional(),
  registrationNumber: z.string().trim().max(120, 'admin:errors.tooLong').optional(),
  registeredOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'admin:errors.date').optional(),
  chinaEuList: z.enum(['1', '2']).optional(),
  categorySlug: requiredText(40, 'admin:errors.category'),
  protectedArea: z.string({ required_error: 'admin:errors.protectedArea' }).transform((value, ctx) => {
    const codes = [...new Set(value.split(/[\s,，、;；]+/).filter(Boolean))];
    if (codes.length === 0 || codes.some((c) => !/^\d{6}$/.test(c))) {
      ctx.addIssue({ code: 'custom', message: 'admin:errors.protectedArea' });
      return z.NEVER;
    }
    return codes;
  }),
  story: z.string().trim().max(5000, 'admin:errors.tooLong').optional(),
  sourceNote: requiredText(2000, 'admin:errors.sourceNoteRequired'),
});

async function loadGi(params: LoaderFunctionArgs['params'], app: LoaderFunctionArgs['context']['app']) {
  if (params.id === 'new') return { id: undefined, record: null };
  const id = idParam(params.id);
  const record = id === null ? null : await getGi(app.db, id);
  if (!record) notFound();
  return { id: id!, record };
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.app);
  const { record } = await loadGi(params, context.app);
  return {
    categories: await listCategories(context.app.db),
    gi: record && { ...record.gi, createdAt: record.gi.createdAt.toISOString() },
    protectedArea: record?.protectedArea ?? [],
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireAdmin(request, app);
  const { id } = await loadGi(params, app);
  const submission = parseWithZod(await request.formData(), { schema: giSchema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const v = submission.value;
  const result = await saveGi(app.db, {
    actor: user,
    id,
    now: app.now(),
    input: {
      slug: v.slug,
      name: v.name,
      nameEn: v.nameEn ?? null,
      kind: v.kind ?? null,
      otherKinds: v.otherKinds ?? [],
      registrationNumber: v.registrationNumber ?? null,
      registeredOn: v.registeredOn ?? null,
      chinaEuList: v.chinaEuList ? (Number(v.chinaEuList) as 1 | 2) : null,
      categorySlug: v.categorySlug,
      protectedArea: v.protectedArea,
      story: v.story ?? '',
      sourceNote: v.sourceNote,
    },
  });
  if (!result.ok) {
    if (result.error === 'not_found') notFound();
    const fieldErrors: Record<string, string[]> =
      result.error === 'region_invalid'
        ? { protectedArea: ['admin:errors.unknownRegions', result.codes.join(' ')] }
        : result.error === 'slug_taken'
          ? { slug: ['admin:errors.slugTaken'] }
          : { categorySlug: ['admin:errors.category'] };
    return data(submission.reply({ fieldErrors }), { status: 400 });
  }
  return redirect(`/admin/gis/${result.id}?saved=1`);
}

export default function AdminGi() {
  const { categories, gi, protectedArea } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const [searchParams] = useSearchParams();
  const { t, i18n } = useTranslation();
  const [form, fields] = useForm<z.input<typeof giSchema>>({
    id: useFormId(`gi-${gi?.id ?? 'new'}`),
    lastResult,
    defaultValue: gi
      ? {
          ...gi,
          nameEn: gi.nameEn ?? '',
          kind: gi.kind ?? '',
          registrationNumber: gi.registrationNumber ?? '',
          registeredOn: gi.registeredOn ?? '',
          chinaEuList: gi.chinaEuList ? String(gi.chinaEuList) : '',
          protectedArea: protectedArea.map((a) => a.code).join(' '),
        }
      : undefined,
  });
  const otherKinds = new Set<string>((fields.otherKinds.initialValue as string[] | string | undefined) ?? []);
  const kindOptions = GI_KINDS.map((k) => ({ value: k, label: t(`admin:giKinds.${k}`) }));
  return (
    <section>
      <h1>{gi ? gi.name : t('admin:gis.create')}</h1>
      {searchParams.get('saved') ? <Notice>{t('admin:saved')}</Notice> : null}
      <p>
        <Link to="/admin/gis">{t('admin:gis.back')}</Link>
      </p>
      <Form method="post" className="form" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field label={t('admin:gis.name')} inputProps={getInputProps(fields.name, { type: 'text' })} errors={fields.name.errors} />
        <Field label={t('admin:gis.nameEn')} inputProps={getInputProps(fields.nameEn, { type: 'text' })} errors={fields.nameEn.errors} />
        <Field label={t('admin:gis.slug')} help={t('admin:gis.slugHelp')} inputProps={getInputProps(fields.slug, { type: 'text' })} errors={fields.slug.errors} />
        <SelectField
          label={t('admin:gis.kind')}
          help={t('admin:gis.kindHelp')}
          selectProps={getSelectProps(fields.kind)}
          placeholder={t('admin:gis.kindUnconfirmed')}
          options={kindOptions}
          errors={fields.kind.errors}
        />
        <fieldset className="field">
          <legend>{t('admin:gis.otherKinds')}</legend>
          {GI_KINDS.map((k) => (
            <CheckboxField
              key={k}
              label={t(`admin:giKinds.${k}`)}
              inputProps={{ name: fields.otherKinds.name, value: k, defaultChecked: otherKinds.has(k), id: `${fields.otherKinds.id}-${k}` }}
            />
          ))}
        </fieldset>
        <Field
          label={t('admin:gis.registrationNumber')}
          help={t('admin:gis.registrationNumberHelp')}
          inputProps={getInputProps(fields.registrationNumber, { type: 'text' })}
          errors={fields.registrationNumber.errors}
        />
        <Field label={t('admin:gis.registeredOn')} inputProps={getInputProps(fields.registeredOn, { type: 'date' })} errors={fields.registeredOn.errors} />
        <SelectField
          label={t('admin:gis.chinaEuList')}
          selectProps={getSelectProps(fields.chinaEuList)}
          placeholder={t('admin:gis.notOnEuList')}
          options={[
            { value: '1', label: t('admin:gis.euBatch', { batch: 1 }) },
            { value: '2', label: t('admin:gis.euBatch', { batch: 2 }) },
          ]}
          errors={fields.chinaEuList.errors}
        />
        <SelectField
          label={t('admin:gis.category')}
          selectProps={getSelectProps(fields.categorySlug)}
          placeholder={t('admin:choose')}
          options={categories.map((c) => ({ value: c.slug, label: i18n.language === 'en' ? c.nameEn : c.nameZh }))}
          errors={fields.categorySlug.errors}
        />
        <Field
          label={t('admin:gis.protectedArea')}
          help={t('admin:gis.protectedAreaHelp')}
          inputProps={getInputProps(fields.protectedArea, { type: 'text' })}
          errors={fields.protectedArea.errors}
        />
        {protectedArea.length ? <p className="muted">{protectedArea.map((a) => a.label).join('；')}</p> : null}
        <TextareaField label={t('admin:gis.story')} textareaProps={{ ...getTextareaProps(fields.story), rows: 4 }} errors={fields.story.errors} />
        <TextareaField label={t('admin:gis.sourceNote')} textareaProps={{ ...getTextareaProps(fields.sourceNote), rows: 4 }} errors={fields.sourceNote.errors} />
        <button type="submit" className="button">
          {t('admin:save')}
        </button>
      </Form>
    </section>
  );
}

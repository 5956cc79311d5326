import { getFormProps, getInputProps, getSelectProps, getTextareaProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, type LinksFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import adminStyles from '~/styles/admin.css';
import { z } from 'zod';
import { Field, FormErrors, TextareaField } from '~/components/forms';
import { applyForGiAuthorization, listGiChoicesForCooperative } from '~/models/gi-authorizations.server';
import { forbidden } from '~/utils/http.server';
import { canApplyForGiAuthorization } from '~/utils/permissions-onboarding.server';
import { DOCUMENT_MAX_BYTES, parseMultipartForm, storeDocumentUpload, UploadError } from '~/utils/uploads.server';
import { SelectField } from '../admin/ui';
import { requireCooperativeAccess } from '../coop.$coop.members/access.server';

export const handle = { i18n: ['onboarding'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: adminStyles }];

export const meta: MetaFunction = () => [{ title: '申请地理标志授权 · 合作社后台 · 地标助农' }];

const schema = z.object({
  giId: z.coerce.number({ required_error: 'onboarding:errors.giRequired', invalid_type_error: 'onboarding:errors.giRequired' }).int().positive('onboarding:errors.giRequired'),
  evidence: z.instanceof(File, { message: 'onboarding:errors.evidenceRequired' }).refine((file) => file.size > 0, 'onboarding:errors.evidenceRequired'),
  note: z.string().trim().max(1000, 'onboarding:errors.tooLong').optional(),
});

const APPLY_ERRORS = {
  gi_not_found: 'onboarding:errors.giRequired',
  outside_area: 'onboarding:errors.giOutsideArea',
  already_open: 'onboarding:errors.giAlreadyOpen',
} as const;

async function requireApplicant({ request, params, context }: LoaderFunctionArgs) {
  const access = await requireCooperativeAccess(request, params, context.app);
  if (!canApplyForGiAuthorization(access.user, access.cooperative)) forbidden();
  return access;
}

export async function loader(args: LoaderFunctionArgs) {
  const { cooperative } = await requireApplicant(args);
  return {
    cooperative: { slug: cooperative.slug },
    gis: await listGiChoicesForCooperative(args.context.app.db, cooperative.id),
    maxMegabytes: DOCUMENT_MAX_BYTES / 1024 / 1024,
  };
}

export async function action(args: ActionFunctionArgs) {
  const { request, context } = args;
  const { app } = context;
  const { user, cooperative } = await requireApplicant(args);
  let formData: FormData;
  try {
    formData = await parseMultipartForm(request, { maxFileBytes: DOCUMENT_MAX_BYTES });
  } catch (error) {
    if (!(error instanceof UploadError)) throw error;
    const result: SubmissionResult<string[]> = { status: 'error', error: { evidence: [`onboarding:errors.upload.${error.code}`] } };
    return data(result, { status: 400 });
  }
  const submission = parseWithZod(formData, { schema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const { giId, evidence, note } = submission.value;
  try {
    const result = await applyForGiAuthorization(app.db, {
      cooperativeId: cooperative.id,
      giId,
      note: note ?? '',
      actorUserId: user.id,
      now: app.now(),
      storeEvidence: async () => (await storeDocumentUpload(app.env.UPLOAD_DIR, evidence, { folder: 'gi-evidence' })).path,
    });
    if (!result.ok) return data(submission.reply({ fieldErrors: { giId: [APPLY_ERRORS[result.error]] } }), { status: 400 });
  } catch (error) {
    if (!(error instanceof UploadError)) throw error;
    return data(submission.reply({ fieldErrors: { evidence: [`onboarding:errors.upload.${error.code}`] } }), { status: 400 });
  }
  return redirect(`/coop/${cooperative.slug}/gi-authorizations?applied=1`);
}

export default function ApplyForGiAuthorization() {
  const { cooperative, gis, maxMegabytes } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const { t } = useTranslation();
  const [form, fields] = useForm<z.input<typeof schema>>({ id: 'apply-gi', lastResult });
  return (
    <section className="onboarding">
      <h2>{t('onboarding:gi.applyTitle')}</h2>
      <p>{t('onboarding:gi.applyIntro')}</p>
      {gis.length === 0 ? (
        <p className="form-error">{t('onboarding:gi.noChoices')}</p>
      ) : (
        <Form method="post" encType="multipart/form-data" className="form" {...getFormProps(form)}>
          <FormErrors id={form.errorId} errors={form.errors} />
          <SelectField
            label={t('onboarding:gi.gi')}
            selectProps={getSelectProps(fields.giId)}
            placeholder={t('onboarding:register.choose')}
            options={gis.map((g) => ({ value: String(g.id), label: g.open ? `${g.name}（${t('onboarding:gi.alreadyOpen')}）` : g.name, disabled: g.open }))}
            errors={fields.giId.errors}
          />
          <Field
            label={t('onboarding:gi.evidenceLabel')}
            help={t('onboarding:gi.evidenceHelp', { megabytes: maxMegabytes })}
            inputProps={{ ...getInputProps(fields.evidence, { type: 'file' }), accept: 'application/pdf,image/jpeg,image/png,image/webp' }}
            errors={fields.evidence.errors}
          />
          <TextareaField label={t('onboarding:gi.note')} textareaProps={{ ...getTextareaProps(fields.note), rows: 4 }} errors={fields.note.errors} />
          <button type="submit" className="button">
            {t('onboarding:gi.submit')}
          </button>
          <Link to={`/coop/${cooperative.slug}/gi-authorizations`} className="button button--secondary">
            {t('onboarding:cancel')}
          </Link>
        </Form>
      )}
    </section>
  );
}

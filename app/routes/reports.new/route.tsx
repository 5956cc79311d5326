import fs from 'node:fs/promises';
import path from 'node:path';
import { type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { chinaDate } from '~/utils/dates';
import {
  defaultFilingProvince,
  fileReport,
  getFilingChoices,
  listProvinces,
  listRegionGroups,
  LOGISTICS_CAUSES,
  MAX_ATTACHMENTS,
  QUANTITY_UNITS,
  REPORT_KINDS,
  REPORT_SEVERITIES,
  siteOrigin,
  type FileReportError,
  type StoredAttachment,
} from '~/models/reports.server';
import reportsStyles from '~/styles/reports.css';
import { createI18n } from '~/utils/i18n';
import { getLocale } from '~/utils/locale.server';
import { canFileReport, canFileReportOnBehalf } from '~/utils/permissions-reports.server';
import { requireUserWith } from '~/utils/permissions.server';
import { hitRateLimit } from '~/utils/rate-limit.server';
import { DOCUMENT_MAX_BYTES, storeDocumentUpload, UploadError } from '~/utils/uploads.server';
import { SelectField } from '../reports.$id/ui';
import { readReportForm } from './form-data.server';
import { ReportForm } from './report-form';
import { reportFormSchema } from './schema';

export const handle = { i18n: ['reports'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: reportsStyles }];
export const meta: MetaFunction = () => [{ title: '提交物流受阻或滞销报告 · 地标助农' }];

/** Reports filed per person per hour: plenty for a real emergency, too few to flood the coordinators. */
const FILING_LIMIT = { limit: 20, windowMs: 60 * 60 * 1000 };

const FILE_ERRORS: Record<FileReportError, [field: string, message: string]> = {
  region_not_found: ['regionCode', 'reports:errors.regionNotFound'],
  cooperative_not_allowed: ['cooperativeIds', 'reports:errors.cooperativeNotAllowed'],
  product_not_allowed: ['productIds', 'reports:errors.productNotAllowed'],
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWith(request, app, canFileReport);
  const provinces = await listProvinces(app.db);
  const requested = new URL(request.url).searchParams.get('province');
  const provinceCode = provinces.some((p) => p.code === requested) ? requested : await defaultFilingProvince(app.db, user);
  const [regionGroups, choices] = await Promise.all([provinceCode ? listRegionGroups(app.db, provinceCode) : [], getFilingChoices(app.db, user, { provinceCode })]);
  return {
    provinces,
    provinceCode,
    regionGroups,
    choices,
    options: { kinds: REPORT_KINDS, causes: LOGISTICS_CAUSES, units: QUANTITY_UNITS, severities: REPORT_SEVERITIES },
    defaults: { contactName: user.displayName, contactPhone: user.mobile ?? '' },
    canFileOnBehalf: canFileReportOnBehalf(user),
    today: chinaDate(app.now()),
    maxAttachments: MAX_ATTACHMENTS,
    maxMegabytes: DOCUMENT_MAX_BYTES / 1024 / 1024,
    ackTargetHours: app.env.REPORT_ACK_TARGET_HOURS,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireUserWith(request, app, canFileReport);
  let form: Awaited<ReturnType<typeof readReportForm>>;
  try {
    form = await readReportForm(request, { maxFileBytes: DOCUMENT_MAX_BYTES, maxFiles: MAX_ATTACHMENTS });
  } catch (error) {
    if (!(error instanceof UploadError)) throw error;
    const result: SubmissionResult<string[]> = { status: 'error', error: { attachments: ['reports:errors.upload.too_large'] } };
    return data(result, { status: 413 });
  }
  const submission = parseWithZod(form.formData, { schema: reportFormSchema(chinaDate(app.now())) });
  const { t } = createI18n(getLocale(request));
  // A browser cannot be handed files back: say which ones to choose again.
  const again = form.chosenFiles.length > 0 ? [t('reports:form.attachmentsAgain', { names: form.chosenFiles.join('、') })] : [];
  const fail = (fieldErrors: Record<string, string[]>, status = 400) => {
    const previous = submission.status === 'error' ? (submission.error ?? {}) : {};
    const merged: Record<string, string[]> = {};
    for (const [name, messages] of Object.entries({ ...previous, ...fieldErrors })) if (messages) merged[name] = [...(previous[name] ?? []), ...(fieldErrors[name] ?? [])];
    merged.attachments = [...(merged.attachments ?? []), ...again];
    return data(submission.reply({ fieldErrors: merged }), { status });
  };
  const fileErrors = [...(form.oversizeFiles.length > 0 ? ['reports:errors.upload.too_large'] : []), ...(form.extraFiles.length > 0 ? ['reports:errors.tooManyAttachments'] : [])];
  if (submission.status !== 'success' || fileErrors.length > 0) return fail(fileErrors.length > 0 ? { attachments: fileErrors } : {});

  const limit = await hitRateLimit(app.db, `reports:file:${user.id}`, { ...FILING_LIMIT, now: app.now() });
  if (!limit.allowed) return data(submission.reply({ formErrors: ['reports:errors.rateLimited'] }), { status: 429 });

  const value = submission.value;
  const stored: StoredAttachment[] = [];
  try {
    const result = await fileReport(app.db, {
      actor: user,
      now: app.now(),
      ackTargetHours: app.env.REPORT_ACK_TARGET_HOURS,
      baseUrl: siteOrigin(app.env, request),
      input: {
        kind: value.kind,
        cause: value.cause ?? null,
        regionCode: value.regionCode,
        placeDetail: value.placeDetail ?? '',
        summary: value.summary,
        description: value.description ?? '',
        quantityAtRisk: value.quantityAtRisk ?? null,
        quantityUnit: value.quantityUnit,
        daysUntilLoss: value.daysUntilLoss ?? null,
        deadline: value.deadline ?? null,
        severity: value.severity,
        contactName: value.contactName,
        contactPhone: value.contactPhone,
        filedForName: value.filedForName ?? null,
        cooperativeIds: (value.cooperativeIds ?? []).map(Number),
        productIds: (value.productIds ?? []).map(Number),
      },
      storeAttachments: async () => {
        for (const file of value.attachments ?? []) stored.push(await storeDocumentUpload(app.env.UPLOAD_DIR, file, { folder: 'report-attachments' }));
        return stored;
      },
    });
    if (!result.ok) {
      const [field, message] = FILE_ERRORS[result.error];
      return fail({ [field]: [message] });
    }
    return redirect(`/reports/${result.id}?filed=1`);
  } catch (error) {
    await Promise.all(stored.map((s) => fs.rm(path.join(app.env.UPLOAD_DIR, 'private', s.path), { force: true })));
    if (!(error instanceof UploadError)) throw error;
    return fail({ attachments: [`reports:errors.upload.${error.code}`] });
  }
}

export default function NewReport() {
  const loaderData = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('reports:form.title')}</h1>
      <p>{t('reports:form.intro', { hours: loaderData.ackTargetHours })}</p>
      <Form method="get" className="province-switch">
        <SelectField
          label={t('reports:form.province')}
          help={t('reports:form.provinceHelp')}
          selectProps={{ name: 'province', defaultValue: loaderData.provinceCode ?? '' }}
          placeholder={t('reports:form.choose')}
          options={loaderData.provinces.map((p) => ({ value: p.code, label: p.name }))}
        />
        <button type="submit" className="button button--secondary">
          {t('reports:form.switchProvince')}
        </button>
      </Form>
      <ReportForm
        key={loaderData.provinceCode ?? ''}
        lastResult={lastResult}
        options={loaderData.options}
        regionGroups={loaderData.regionGroups}
        choices={loaderData.choices}
        defaults={loaderData.defaults}
        canFileOnBehalf={loaderData.canFileOnBehalf}
        today={loaderData.today}
        maxAttachments={loaderData.maxAttachments}
        maxMegabytes={loaderData.maxMegabytes}
      />
    </section>
  );
}

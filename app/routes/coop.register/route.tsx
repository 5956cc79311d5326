import { getFormProps, getInputProps, getTextareaProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, type LinksFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import adminStyles from '~/styles/admin.css';
import type { z } from 'zod';
import { ErrorList, Field, FormErrors, TextareaField } from '~/components/forms';
import { getRegionCascade, registerCooperative } from '~/models/cooperatives.server';
import { requireUser } from '~/utils/auth.server';
import { SelectField } from '../admin/ui';
import { registrationSchema } from './schema';

export const handle = { i18n: ['onboarding'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: adminStyles }];

export const meta: MetaFunction = () => [{ title: '合作社入驻 · 地标助农' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(request, context.app);
  const params = new URL(request.url).searchParams;
  return getRegionCascade(context.app.db, { province: params.get('province'), city: params.get('city'), county: params.get('county') });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const submission = parseWithZod(await request.formData(), { schema: registrationSchema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const result = await registerCooperative(app.db, { ownerUserId: user.id, input: submission.value, now: app.now() });
  if (!result.ok) {
    const fieldErrors: Record<string, string[]> =
      result.error === 'credit_code_taken' ? { creditCode: ['onboarding:errors.creditCodeTaken'] } : { regionCode: ['onboarding:errors.regionRequired'] };
    return data(submission.reply({ fieldErrors }), { status: 400 });
  }
  return redirect(`/coop/${result.cooperative.slug}/members?registered=1`);
}

/** Province, then city, then county: each a GET step, submitted on change when scripts run. */
function RegionPicker() {
  const cascade = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const submitOnChange = (event: React.ChangeEvent<HTMLSelectElement>) => event.currentTarget.form?.requestSubmit();
  const options = (list: { code: string; name: string }[]) => list.map((r) => ({ value: r.code, label: r.name }));
  return (
    <Form method="get" className="form region-picker">
      <SelectField
        label={t('onboarding:register.province')}
        selectProps={{ name: 'province', defaultValue: cascade.province ?? '', onChange: submitOnChange }}
        placeholder={t('onboarding:register.choose')}
        options={options(cascade.provinces)}
      />
      {cascade.cities.length ? (
        <SelectField
          key={cascade.province}
          label={t('onboarding:register.city')}
          selectProps={{ name: 'city', defaultValue: cascade.city ?? '', onChange: submitOnChange }}
          placeholder={t('onboarding:register.choose')}
          options={options(cascade.cities)}
        />
      ) : null}
      {cascade.counties.length ? (
        <SelectField
          key={cascade.city}
          label={t('onboarding:register.county')}
          selectProps={{ name: 'county', defaultValue: cascade.county ?? '', onChange: submitOnChange }}
          placeholder={t('onboarding:register.choose')}
          options={options(cascade.counties)}
        />
      ) : null}
      <button type="submit" className="button button--secondary">
        {t('onboarding:register.chooseRegion')}
      </button>
    </Form>
  );
}

export default function RegisterCooperative() {
  const { selected } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const { t } = useTranslation();
  const [form, fields] = useForm<z.input<typeof registrationSchema>>({
    id: 'register-cooperative',
    lastResult,
    shouldRevalidate: 'onBlur',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: registrationSchema }),
  });
  const text = (name: keyof typeof fields, type: 'text' | 'email' | 'tel' = 'text') => getInputProps(fields[name], { type });
  return (
    <section className="onboarding">
      <h1>{t('onboarding:register.title')}</h1>
      <p>{t('onboarding:register.intro')}</p>
      <h2>{t('onboarding:register.stepRegion')}</h2>
      <RegionPicker />
      <h2>{t('onboarding:register.stepDetails')}</h2>
      <Form method="post" className="form" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        <input type="hidden" name={fields.regionCode.name} value={selected?.code ?? ''} />
        <div className="field">
          <span className="field-label">{t('onboarding:register.region')}</span>
          <p className="region-summary">{selected?.label ?? t('onboarding:register.regionNotChosen')}</p>
          <ErrorList id={fields.regionCode.errorId} errors={fields.regionCode.errors} />
        </div>
        <Field label={t('onboarding:register.legalName')} inputProps={{ ...text('legalName'), maxLength: 100 }} errors={fields.legalName.errors} />
        <Field
          label={t('onboarding:register.creditCode')}
          help={t('onboarding:register.creditCodeHelp')}
          inputProps={{ ...text('creditCode'), maxLength: 24, autoCapitalize: 'characters', spellCheck: false }}
          errors={fields.creditCode.errors}
        />
        <Field label={t('onboarding:register.address')} inputProps={{ ...text('address'), maxLength: 200, autoComplete: 'street-address' }} errors={fields.address.errors} />
        <Field label={t('onboarding:register.legalRepresentative')} inputProps={{ ...text('legalRepresentative'), maxLength: 40 }} errors={fields.legalRepresentative.errors} />
        <TextareaField label={t('onboarding:register.businessScope')} textareaProps={{ ...getTextareaProps(fields.businessScope), rows: 3 }} errors={fields.businessScope.errors} />
        <Field label={t('onboarding:register.contactName')} inputProps={{ ...text('contactName'), maxLength: 40, autoComplete: 'name' }} errors={fields.contactName.errors} />
        <Field label={t('onboarding:register.contactPhone')} inputProps={{ ...text('contactPhone', 'tel'), autoComplete: 'tel' }} errors={fields.contactPhone.errors} />
        <Field label={t('onboarding:register.contactEmail')} inputProps={{ ...text('contactEmail', 'email'), autoComplete: 'email' }} errors={fields.contactEmail.errors} />
        <TextareaField label={t('onboarding:register.description')} textareaProps={{ ...getTextareaProps(fields.description), rows: 3 }} errors={fields.description.errors} />
        <p className="field-help">{t('onboarding:register.reviewNote')}</p>
        <button type="submit" className="button">
          {t('onboarding:register.submit')}
        </button>
      </Form>
    </section>
  );
}

import { getFormProps, getInputProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { Field, FormErrors } from '~/components/forms';
import { isLocale } from '~/locales';
import { requestPasswordReset } from '~/models/account.server';
import { parseAccount } from '~/models/user.server';
import { createI18n } from '~/utils/i18n';
import { getClientIp, hitRateLimit, RATE_LIMITS, retryAfterSeconds } from '~/utils/rate-limit.server';

export const handle = { i18n: ['auth'] };

export const meta: MetaFunction = () => [{ title: '找回密码 · 地标助农' }];

const ForgotSchema = z.object({
  account: z
    .string({ required_error: 'auth:errors.accountRequired' })
    .trim()
    .refine((value) => parseAccount(value) !== null, 'auth:errors.accountRequired'),
});

let warnedNoPublicUrl = false;

export function loader({ request }: LoaderFunctionArgs) {
  return { sent: new URL(request.url).searchParams.get('sent') === '1' };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const submission = parseWithZod(await request.formData(), { schema: ForgotSchema });
  if (submission.status !== 'success') return data(submission.reply(), { status: 400 });
  const now = app.now();
  const ipLimit = await hitRateLimit(app.db, `reset:ip:${getClientIp(request)}`, { ...RATE_LIMITS.passwordResetIp, now });
  if (!ipLimit.allowed) {
    return data(submission.reply({ formErrors: ['auth:errors.tooManyRequests'] }), {
      status: 429,
      headers: { 'Retry-After': retryAfterSeconds(ipLimit.retryAfterMs) },
    });
  }
  const account = parseAccount(submission.value.account);
  const accountLimit = await hitRateLimit(app.db, `reset:account:${account?.value}`, { ...RATE_LIMITS.passwordResetAccount, now });
  if (accountLimit.allowed) {
    // The link must point at our own address: PUBLIC_URL when set, since a forged Host header
    // would otherwise send the token to someone else's site.
    if (!app.env.PUBLIC_URL && app.env.NODE_ENV === 'production' && !warnedNoPublicUrl) {
      warnedNoPublicUrl = true;
      app.logger.warn('PUBLIC_URL is not set: password reset links use the request origin');
    }
    await requestPasswordReset(app, {
      account,
      baseUrl: app.env.PUBLIC_URL ?? new URL(request.url).origin,
      compose: ({ link, minutes, locale }) => {
        const i18n = createI18n(isLocale(locale) ? locale : 'zh-CN');
        return { subject: i18n.t('auth:forgot.emailSubject'), text: i18n.t('auth:forgot.emailBody', { link, minutes }) };
      },
    });
  }
  // The same answer whether or not the account exists.
  return redirect('/forgot-password?sent=1');
}

export default function ForgotPassword() {
  const { sent } = useLoaderData<typeof loader>();
  // Single-fetch typing (the action's data() payload) until the Future flag's types are declared.
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const { t } = useTranslation();
  const [form, fields] = useForm<z.input<typeof ForgotSchema>>({ id: 'forgot-password', lastResult });
  return (
    <section>
      <h1>{t('auth:forgot.title')}</h1>
      {sent ? (
        <p className="form-notice" role="status">
          {t('auth:forgot.sent')}
        </p>
      ) : (
        <p>{t('auth:forgot.intro')}</p>
      )}
      <Form method="post" className="form" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field
          label={t('auth:forgot.account')}
          help={t('auth:login.accountHelp')}
          inputProps={{ ...getInputProps(fields.account, { type: 'text' }), autoComplete: 'username', autoCapitalize: 'none', spellCheck: false }}
          errors={fields.account.errors}
        />
        <button type="submit" className="button">
          {t('auth:forgot.submit')}
        </button>
      </Form>
      <p>
        <Link to="/login">{t('auth:signup.loginLink')}</Link>
      </p>
    </section>
  );
}

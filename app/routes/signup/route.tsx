import { getFormProps, getInputProps, useForm } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { CheckboxField, Field, FormErrors } from '~/components/forms';
import { resolveVisitorCart } from '~/models/cart.server';
import { AccountTakenError, createUser, MOBILE_PATTERN, normalizeMobile } from '~/models/user.server';
import { createUserSession, requireAnonymous } from '~/utils/auth.server';
import { safeRedirectPath } from '~/utils/safe-redirect';
import { getLocale } from '~/utils/locale.server';
import { checkNewPassword, newPasswordSchema } from '~/utils/password-policy.server';
import { getClientIp, hitRateLimit, RATE_LIMITS, retryAfterSeconds } from '~/utils/rate-limit.server';

export const handle = { i18n: ['auth'] };

export const meta: MetaFunction = () => [{ title: '注册 · 地标助农' }];

const SECRET_FIELDS = ['password', 'confirmPassword'];

// A function, so the browser bundle (which never runs it) drops the server-only password policy.
function signupSchema() {
  return z
    .object({
      displayName: z.string({ required_error: 'auth:errors.displayNameRequired' }).trim().min(1, 'auth:errors.displayNameRequired').max(40, 'auth:errors.displayNameTooLong'),
      mobile: z.string().transform(normalizeMobile).pipe(z.string().regex(MOBILE_PATTERN, 'auth:errors.mobileInvalid')).optional(),
      email: z.string().trim().toLowerCase().max(254, 'auth:errors.emailInvalid').email('auth:errors.emailInvalid').optional(),
      password: newPasswordSchema,
      confirmPassword: z.string().optional(),
      consent: z.boolean().optional(),
      redirectTo: z.string().optional(),
    })
    .superRefine((value, ctx) => {
      if (!value.mobile && !value.email) ctx.addIssue({ code: 'custom', path: ['mobile'], message: 'auth:errors.contactRequired' });
      if (!value.consent) ctx.addIssue({ code: 'custom', path: ['consent'], message: 'auth:errors.consentRequired' });
      checkNewPassword(ctx, { password: value.password, confirmPassword: value.confirmPassword, account: value });
    });
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAnonymous(request, context.app);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const submission = parseWithZod(await request.formData(), { schema: signupSchema() });
  if (submission.status !== 'success') return data(submission.reply({ hideFields: SECRET_FIELDS }), { status: 400 });
  const limit = await hitRateLimit(app.db, `signup:ip:${getClientIp(request)}`, { ...RATE_LIMITS.signupIp, now: app.now() });
  if (!limit.allowed) {
    return data(submission.reply({ formErrors: ['auth:errors.tooManyRequests'], hideFields: SECRET_FIELDS }), {
      status: 429,
      headers: { 'Retry-After': retryAfterSeconds(limit.retryAfterMs) },
    });
  }
  const { displayName, mobile, email, password, redirectTo } = submission.value;
  try {
    const now = app.now();
    const user = await createUser(app.db, { displayName, mobile, email, password, locale: getLocale(request), privacyConsentAt: now, now });
    const response = await createUserSession(app, request, user.id, safeRedirectPath(redirectTo, '/'));
    // A guest's cart becomes the user's at login.
    const visitorCart = await resolveVisitorCart(app, request, user);
    if (visitorCart.setCookie) response.headers.append('Set-Cookie', visitorCart.setCookie);
    return response;
  } catch (error) {
    if (!(error instanceof AccountTakenError)) throw error;
    const message = error.field === 'email' ? 'auth:errors.emailTaken' : 'auth:errors.mobileTaken';
    return data(submission.reply({ fieldErrors: { [error.field]: [message] }, hideFields: SECRET_FIELDS }), { status: 400 });
  }
}

export default function Signup() {
  const lastResult = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const { t } = useTranslation();
  const redirectTo = safeRedirectPath(searchParams.get('redirectTo'), '/');
  const [form, fields] = useForm<z.input<ReturnType<typeof signupSchema>>>({ id: 'signup', lastResult });
  const query = redirectTo === '/' ? '' : `?${new URLSearchParams({ redirectTo })}`;
  return (
    <section>
      <h1>{t('auth:signup.title')}</h1>
      <p>{t('auth:signup.intro')}</p>
      <Form method="post" className="form" {...getFormProps(form)}>
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field
          label={t('auth:signup.displayName')}
          inputProps={{ ...getInputProps(fields.displayName, { type: 'text' }), autoComplete: 'nickname', maxLength: 40 }}
          errors={fields.displayName.errors}
        />
        <p className="field-help">{t('auth:signup.contactHelp')}</p>
        <Field
          label={t('auth:signup.mobile')}
          inputProps={{ ...getInputProps(fields.mobile, { type: 'tel' }), autoComplete: 'tel-national', inputMode: 'numeric', maxLength: 11 }}
          errors={fields.mobile.errors}
        />
        <Field
          label={t('auth:signup.email')}
          inputProps={{ ...getInputProps(fields.email, { type: 'email' }), autoComplete: 'email', autoCapitalize: 'none', spellCheck: false }}
          errors={fields.email.errors}
        />
        <Field
          label={t('auth:signup.password')}
          help={t('auth:signup.passwordHelp')}
          inputProps={{ ...getInputProps(fields.password, { type: 'password', value: false }), autoComplete: 'new-password', maxLength: 128 }}
          errors={fields.password.errors}
        />
        <Field
          label={t('auth:signup.confirmPassword')}
          inputProps={{ ...getInputProps(fields.confirmPassword, { type: 'password', value: false }), autoComplete: 'new-password', maxLength: 128 }}
          errors={fields.confirmPassword.errors}
        />
        <CheckboxField
          label={
            <>
              {t('auth:signup.consent')}{' '}
              <Link to="/privacy" target="_blank" rel="noopener">
                {t('auth:signup.privacyLink')}
              </Link>
            </>
          }
          inputProps={getInputProps(fields.consent, { type: 'checkbox' })}
          errors={fields.consent.errors}
        />
        <button type="submit" className="button">
          {t('auth:signup.submit')}
        </button>
      </Form>
      <p>
        {t('auth:signup.haveAccount')} <Link to={`/login${query}`}>{t('auth:signup.loginLink')}</Link>
      </p>
    </section>
  );
}

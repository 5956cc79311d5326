import { getFormProps, getInputProps, useForm } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { Field, FormErrors } from '~/components/forms';
import { resolveVisitorCart } from '~/models/cart.server';
import { parseAccount, verifyLogin } from '~/models/user.server';
import { createUserSession, requireAnonymous } from '~/utils/auth.server';
import { safeRedirectPath } from '~/utils/safe-redirect';
import { checkLoginAttempt, failedLoginDelayMs, getClientIp, resetRateLimit, retryAfterSeconds } from '~/utils/rate-limit.server';

export const handle = { i18n: ['auth'] };

export const meta: MetaFunction = () => [{ title: '登录 · 地标助农' }];

const LoginSchema = z.object({
  account: z.string({ required_error: 'auth:errors.accountRequired' }).trim(),
  password: z.string({ required_error: 'auth:errors.passwordRequired' }),
  redirectTo: z.string().optional(),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAnonymous(request, context.app);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const submission = parseWithZod(await request.formData(), { schema: LoginSchema });
  if (submission.status !== 'success') return data(submission.reply({ hideFields: ['password'] }), { status: 400 });
  const { account: typed, password, redirectTo } = submission.value;
  const account = parseAccount(typed);
  const attempt = await checkLoginAttempt(app.db, { account: account?.value ?? typed.toLowerCase(), ip: getClientIp(request), now: app.now() });
  if (!attempt.allowed) {
    return data(submission.reply({ formErrors: ['auth:errors.tooManyAttempts'], hideFields: ['password'] }), {
      status: 429,
      headers: { 'Retry-After': retryAfterSeconds(attempt.retryAfterMs) },
    });
  }
  // One message whether the account is unknown or the password wrong: no account enumeration.
  const user = await verifyLogin(app.db, account, password);
  if (!user) {
    const delay = failedLoginDelayMs(attempt.attempts, app.env.LOGIN_FAILURE_DELAY_MS);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    return data(submission.reply({ formErrors: ['auth:errors.invalidCredentials'], hideFields: ['password'] }), { status: 400 });
  }
  await resetRateLimit(app.db, attempt.accountIpKey);
  const response = await createUserSession(app, request, user.id, safeRedirectPath(redirectTo, '/'));
  // A guest's cart becomes the user's at login.
  const visitorCart = await resolveVisitorCart(app, request, user);
  if (visitorCart.setCookie) response.headers.append('Set-Cookie', visitorCart.setCookie);
  return response;
}

export default function Login() {
  const lastResult = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const { t } = useTranslation();
  const redirectTo = safeRedirectPath(searchParams.get('redirectTo'), '/');
  const [form, fields] = useForm<z.input<typeof LoginSchema>>({ id: 'login', lastResult });
  const query = redirectTo === '/' ? '' : `?${new URLSearchParams({ redirectTo })}`;
  return (
    <section>
      <h1>{t('auth:login.title')}</h1>
      {searchParams.get('reset') === '1' ? <p className="form-notice">{t('auth:login.passwordReset')}</p> : null}
      <Form method="post" className="form" {...getFormProps(form)}>
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field
          label={t('auth:login.account')}
          help={t('auth:login.accountHelp')}
          inputProps={{ ...getInputProps(fields.account, { type: 'text' }), autoComplete: 'username', autoCapitalize: 'none', spellCheck: false }}
          errors={fields.account.errors}
        />
        <Field
          label={t('auth:login.password')}
          inputProps={{ ...getInputProps(fields.password, { type: 'password', value: false }), autoComplete: 'current-password' }}
          errors={fields.password.errors}
        />
        <button type="submit" className="button">
          {t('auth:login.submit')}
        </button>
      </Form>
      <p>
        <Link to="/forgot-password">{t('auth:login.forgotLink')}</Link>
      </p>
      <p>
        {t('auth:login.noAccount')} <Link to={`/signup${query}`}>{t('auth:login.signupLink')}</Link>
      </p>
    </section>
  );
}

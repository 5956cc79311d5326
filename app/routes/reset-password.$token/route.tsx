import { getFormProps, getInputProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { Field, FormErrors } from '~/components/forms';
import { findResetTokenUser, resetPasswordWithToken } from '~/models/account.server';
import { checkNewPassword, newPasswordSchema } from '~/utils/password-policy.server';

export const handle = { i18n: ['auth'] };

export const meta: MetaFunction = () => [{ title: '设置新密码 · 地标助农' }, { name: 'robots', content: 'noindex' }];

// The token is in the URL: keep it out of Referer headers and caches.
export const headers: HeadersFunction = () => ({ 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });

const SECRET_FIELDS = ['password', 'confirmPassword'];

function resetSchema(account: { email: string | null; mobile: string | null }) {
  return z
    .object({ password: newPasswordSchema, confirmPassword: z.string().optional() })
    .superRefine((value, ctx) => checkNewPassword(ctx, { ...value, account }));
}

export async function loader({ params, context }: LoaderFunctionArgs) {
  const user = await findResetTokenUser(context.app, params.token ?? '');
  return { valid: Boolean(user) };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const token = params.token ?? '';
  const user = await findResetTokenUser(app, token);
  if (!user) return data({ invalid: true, result: null }, { status: 400 });
  const submission = parseWithZod(await request.formData(), { schema: resetSchema(user) });
  if (submission.status !== 'success') return data({ invalid: false, result: submission.reply({ hideFields: SECRET_FIELDS }) }, { status: 400 });
  if (!(await resetPasswordWithToken(app, { token, newPassword: submission.value.password }))) {
    return data({ invalid: true, result: null }, { status: 400 });
  }
  return redirect('/login?reset=1');
}

export default function ResetPassword() {
  const { valid } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as { invalid: boolean; result: SubmissionResult<string[]> | null } | undefined;
  const { t } = useTranslation();
  const [form, fields] = useForm<z.input<ReturnType<typeof resetSchema>>>({ id: 'reset-password', lastResult: actionData?.result });
  if (!valid || actionData?.invalid) {
    return (
      <section>
        <h1>{t('auth:reset.title')}</h1>
        <p className="form-error" role="alert">
          {t('auth:reset.invalid')}
        </p>
        <p>
          <Link to="/forgot-password">{t('auth:reset.requestAgain')}</Link>
        </p>
      </section>
    );
  }
  return (
    <section>
      <h1>{t('auth:reset.title')}</h1>
      <Form method="post" className="form" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field
          label={t('auth:reset.password')}
          help={t('auth:signup.passwordHelp')}
          inputProps={{ ...getInputProps(fields.password, { type: 'password', value: false }), autoComplete: 'new-password', maxLength: 128 }}
          errors={fields.password.errors}
        />
        <Field
          label={t('auth:reset.confirmPassword')}
          inputProps={{ ...getInputProps(fields.confirmPassword, { type: 'password', value: false }), autoComplete: 'new-password', maxLength: 128 }}
          errors={fields.confirmPassword.errors}
        />
        <button type="submit" className="button">
          {t('auth:reset.submit')}
        </button>
      </Form>
    </section>
  );
}

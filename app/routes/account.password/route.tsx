import { getFormProps, getInputProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { Field, FormErrors } from '~/components/forms';
import { changePassword } from '~/models/account.server';
import { requireUser } from '~/utils/auth.server';
import { checkNewPassword, newPasswordSchema } from '~/utils/password-policy.server';
import { readSessionId } from '~/utils/session.server';

export const handle = { i18n: ['auth', 'account'] };

export const meta: MetaFunction = () => [{ title: '修改密码 · 地标助农' }];

const SECRET_FIELDS = ['currentPassword', 'newPassword', 'confirmPassword'];

function changePasswordSchema(account: { email: string | null; mobile: string | null }) {
  return z
    .object({
      currentPassword: z.string({ required_error: 'auth:errors.passwordRequired' }),
      newPassword: newPasswordSchema,
      confirmPassword: z.string().optional(),
    })
    .superRefine((value, ctx) =>
      checkNewPassword(ctx, { password: value.newPassword, confirmPassword: value.confirmPassword, passwordField: 'newPassword', account }),
    );
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(request, context.app);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const submission = parseWithZod(await request.formData(), { schema: changePasswordSchema(user) });
  if (submission.status !== 'success') return data(submission.reply({ hideFields: SECRET_FIELDS }), { status: 400 });
  const result = await changePassword(app, {
    userId: user.id,
    currentPassword: submission.value.currentPassword,
    newPassword: submission.value.newPassword,
    keepSessionId: await readSessionId(request, app.sessionSecret),
  });
  if (!result.ok) {
    return data(submission.reply({ fieldErrors: { currentPassword: ['account:password.wrongPassword'] }, hideFields: SECRET_FIELDS }), { status: 400 });
  }
  return redirect('/account?passwordChanged=1');
}

export default function ChangePassword() {
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const { t } = useTranslation();
  const [form, fields] = useForm<z.input<ReturnType<typeof changePasswordSchema>>>({ id: 'change-password', lastResult });
  return (
    <section>
      <h1>{t('account:password.title')}</h1>
      <p>{t('account:password.intro')}</p>
      <Form method="post" className="form" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field
          label={t('account:password.current')}
          inputProps={{ ...getInputProps(fields.currentPassword, { type: 'password', value: false }), autoComplete: 'current-password' }}
          errors={fields.currentPassword.errors}
        />
        <Field
          label={t('account:password.new')}
          help={t('auth:signup.passwordHelp')}
          inputProps={{ ...getInputProps(fields.newPassword, { type: 'password', value: false }), autoComplete: 'new-password', maxLength: 128 }}
          errors={fields.newPassword.errors}
        />
        <Field
          label={t('account:password.confirm')}
          inputProps={{ ...getInputProps(fields.confirmPassword, { type: 'password', value: false }), autoComplete: 'new-password', maxLength: 128 }}
          errors={fields.confirmPassword.errors}
        />
        <button type="submit" className="button">
          {t('account:password.submit')}
        </button>
        <Link to="/account" className="button button--secondary">{t('account:delete.cancel')}</Link>
      </Form>
    </section>
  );
}

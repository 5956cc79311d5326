import { getFormProps, getInputProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { Field, FormErrors } from '~/components/forms';
import { deleteAccount } from '~/models/account.server';
import { destroySession, requireUser } from '~/utils/auth.server';

export const handle = { i18n: ['account'] };

export const meta: MetaFunction = () => [{ title: '注销账号 · 地标助农' }];

const DeleteSchema = z.object({ password: z.string({ required_error: 'account:delete.passwordRequired' }) });

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(request, context.app);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const submission = parseWithZod(await request.formData(), { schema: DeleteSchema });
  if (submission.status !== 'success') return data({ result: submission.reply({ hideFields: ['password'] }), soleOwnerOf: [] }, { status: 400 });
  const outcome = await deleteAccount(app, { userId: user.id, password: submission.value.password });
  if (outcome.ok) return destroySession(app, request, '/');
  if (outcome.reason === 'wrong-password') {
    return data({ result: submission.reply({ fieldErrors: { password: ['account:delete.wrongPassword'] }, hideFields: ['password'] }), soleOwnerOf: [] }, { status: 400 });
  }
  return data(
    { result: submission.reply({ formErrors: ['account:delete.soleOwner'], hideFields: ['password'] }), soleOwnerOf: outcome.cooperatives },
    { status: 409 },
  );
}

export default function DeleteAccount() {
  const actionData = useActionData<typeof action>() as { result: SubmissionResult<string[]>; soleOwnerOf: string[] } | undefined;
  const { t } = useTranslation();
  const [form, fields] = useForm<z.input<typeof DeleteSchema>>({ id: 'delete-account', lastResult: actionData?.result });
  return (
    <section>
      <h1>{t('account:delete.title')}</h1>
      <p>{t('account:delete.warning')}</p>
      <Form method="post" className="form" {...getFormProps(form)}>
        <FormErrors id={form.errorId} errors={form.errors} />
        {actionData?.soleOwnerOf.length ? (
          <ul className="form-error">
            {actionData.soleOwnerOf.map((name) => (
              <li key={name}>{name}</li>
            ))}
          </ul>
        ) : null}
        <Field
          label={t('account:delete.password')}
          inputProps={{ ...getInputProps(fields.password, { type: 'password', value: false }), autoComplete: 'current-password' }}
          errors={fields.password.errors}
        />
        <button type="submit" className="button button--danger">
          {t('account:delete.submit')}
        </button>
        <Link to="/account" className="button button--secondary">{t('account:delete.cancel')}</Link>
      </Form>
    </section>
  );
}

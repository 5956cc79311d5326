import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { parseOrderNumber } from '~/models/order-number';
import { confirmBankTransfer, listUnpaidBankTransfers } from '~/models/orders.server';
import catalogStyles from '~/styles/catalog.css';
import checkoutStyles from '~/styles/checkout.css';
import { parseYuanToFen, formatFen } from '~/utils/money';
import { canUseCoordinatorDesk, requireUserWith } from '~/utils/permissions.server';
import { formatChinaTime } from '../orders.$id/order-panels';

export const handle = { i18n: ['cart', 'orders'] };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: catalogStyles },
  { rel: 'stylesheet', href: checkoutStyles },
];

export const meta: MetaFunction = () => [{ title: '银行转账确认 · 地标助农' }, { name: 'robots', content: 'noindex' }];

const ConfirmSchema = z.object({
  intent: z.literal('confirm'),
  orderId: z.string().uuid(),
  amount: z
    .string({ required_error: 'orders:payments.errors.amountRequired' })
    .transform((v, ctx) => {
      const fen = parseYuanToFen(v);
      if (fen === null || fen <= 0) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'orders:payments.errors.amountInvalid' });
        return z.NEVER;
      }
      return fen;
    }),
});

/** Mobile numbers on the desk show only what matching a transfer needs. */
function maskMobile(mobile: string): string {
  return mobile.length === 11 ? `${mobile.slice(0, 3)}****${mobile.slice(7)}` : mobile;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWith(request, app, canUseCoordinatorDesk);
  const q = new URL(request.url).searchParams.get('q') ?? '';
  const number = q ? parseOrderNumber(q) : null;
  const { rows, total } = q && !number ? { rows: [], total: 0 } : await listUnpaidBankTransfers(app.db, { number, limit: 100 });
  return {
    q,
    total,
    orders: rows.map((o) => ({
      id: o.id,
      number: o.number,
      recipient: o.recipient,
      mobile: maskMobile(o.mobile),
      totalFen: o.totalFen,
      createdAt: o.createdAt.toISOString(),
      paymentDueAt: o.paymentDueAt?.toISOString() ?? null,
    })),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireUserWith(request, app, canUseCoordinatorDesk);
  const submission = parseWithZod(await request.formData(), { schema: ConfirmSchema });
  if (submission.status !== 'success') {
    const orderId = submission.payload.orderId;
    return data({ orderId: typeof orderId === 'string' ? orderId : null, error: submission.error?.amount?.[0] ?? 'orders:payments.errors.amountInvalid', expectedFen: null }, { status: 400 });
  }
  const { orderId, amount } = submission.value;
  const result = await confirmBankTransfer(app.db, { orderId, amountFen: amount, actorUserId: user.id, now: app.now() });
  if (!result.ok) {
    return data({ orderId, error: `orders:payments.errors.${result.problem}`, expectedFen: result.expectedFen ?? null }, { status: result.problem === 'not_found' ? 404 : 409 });
  }
  return redirect(`/coordinator/payments?confirmed=${encodeURIComponent(result.number)}`);
}

export default function CoordinatorPaymentsRoute() {
  const { orders, q, total } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const { t, i18n } = useTranslation();
  const money = (fen: number) => formatFen(fen, i18n.language);
  const confirmed = params.get('confirmed');
  return (
    <section className="payments-desk">
      <h1>{t('orders:payments.title')}</h1>
      <p>{t('orders:payments.intro')}</p>
      {confirmed ? (
        <p className="form-notice" role="status">
          {t('orders:payments.confirmed', { number: confirmed })}
        </p>
      ) : null}
      <Form method="get" className="desk-search" role="search">
        <label htmlFor="order-number">{t('orders:payments.search')}</label>
        <input id="order-number" name="q" defaultValue={q} placeholder="DB20200214-7Q4KXM" autoCapitalize="characters" />
        <button type="submit" className="button button--secondary">
          {t('orders:payments.searchButton')}
        </button>
      </Form>
      <p>{t('orders:payments.count', { count: total })}</p>
      <ul className="transfer-list">
        {orders.map((o) => {
          const error = actionData?.orderId === o.id ? actionData : null;
          return (
            <li key={o.id} className="panel transfer-row">
              <p className="transfer-row__head">
                <strong>{o.number}</strong> · {money(o.totalFen)}
              </p>
              <p className="amounts__hint">
                {o.recipient} {o.mobile} · {t('orders:payments.placedAt', { at: formatChinaTime(o.createdAt) })}
                {o.paymentDueAt ? ` · ${t('orders:payments.dueAt', { at: formatChinaTime(o.paymentDueAt) })}` : null}
              </p>
              <Form method="post" className="transfer-row__form">
                <input type="hidden" name="orderId" value={o.id} />
                <label htmlFor={`amount-${o.id}`}>{t('orders:payments.amountReceived')}</label>
                <input
                  id={`amount-${o.id}`}
                  name="amount"
                  inputMode="decimal"
                  autoComplete="off"
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? `amount-${o.id}-error` : undefined}
                />
                <button type="submit" name="intent" value="confirm" className="button">
                  {t('orders:payments.confirm')}
                </button>
                {error ? (
                  <p id={`amount-${o.id}-error`} className="field-error" role="alert">
                    {t(error.error, { expected: error.expectedFen === null ? '' : money(error.expectedFen) })}
                  </p>
                ) : null}
              </Form>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

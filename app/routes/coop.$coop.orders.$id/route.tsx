import { getFormProps, getInputProps, getSelectProps, useForm, type SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { ErrorList, Field, FormErrors } from '~/components/forms';
import { CARRIER_CODES, CARRIERS } from '~/models/carriers';
import { cancelCooperativeOrder, confirmCod, deliverCooperativeOrder, getCooperativeOrderForCoop, shipCooperativeOrder } from '~/models/fulfilment.server';
import { createRefund, paymentsOf, retryRefund } from '~/models/refunds.server';
import { requirePortalAccess } from '~/routes/coop.$coop/access.server';
import { DoneNotice, formatDateTime, withDone, type DoneKey } from '~/routes/coop.$coop.orders._index/done';
import { notFound } from '~/utils/http.server';
import { formatFen, parseYuanToFen } from '~/utils/money';

export const handle = { i18n: ['coop'] };

const reason = z.string({ required_error: 'coop:fulfilment.errors.required' }).trim().min(1, 'coop:fulfilment.errors.required').max(200, 'coop:fulfilment.errors.tooLong');
const schema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('confirm-cod') }),
  z.object({
    intent: z.literal('ship'),
    carrier: z.enum(CARRIER_CODES, { errorMap: () => ({ message: 'coop:fulfilment.errors.carrier' }) }),
    trackingNumber: z.string({ required_error: 'coop:fulfilment.errors.required' }).trim().min(1, 'coop:fulfilment.errors.required').max(40, 'coop:fulfilment.errors.bad_tracking'),
  }),
  z.object({ intent: z.literal('deliver') }),
  z.object({ intent: z.literal('cancel'), reason }),
  z.object({
    intent: z.literal('refund'),
    amount: z
      .string({ required_error: 'coop:fulfilment.errors.required' })
      .transform((v, ctx) => {
        const fen = parseYuanToFen(v);
        if (fen === null || fen <= 0) ctx.addIssue({ code: 'custom', message: 'coop:fulfilment.errors.invalid_amount' });
        return fen ?? 0;
      }),
    reason,
  }),
  z.object({ intent: z.literal('retry-refund'), refundId: z.string().uuid() }),
]);

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { cooperative } = await requirePortalAccess(request, context.app, params);
  const detail = await getCooperativeOrderForCoop(context.app.db, cooperative.id, params.id ?? '');
  if (!detail) notFound();
  const { coop, order } = detail;
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    slug: cooperative.slug,
    coop: { id: coop.id, status: coop.status, goodsFen: coop.goodsFen, shippingFen: coop.shippingFen, refundedFen: coop.refundedFen, carrier: coop.carrier, trackingNumber: coop.trackingNumber, codConfirmedAt: iso(coop.codConfirmedAt), shippedAt: iso(coop.shippedAt), deliveredAt: iso(coop.deliveredAt) },
    order: { number: order.number, paymentMethod: order.paymentMethod, status: order.status, recipient: order.recipient, mobile: order.mobile, addressDetail: order.addressDetail, createdAt: order.createdAt.toISOString() },
    items: detail.items.map((i) => ({ id: i.id, title: i.title, spec: i.spec, quantity: i.quantity, unitPriceFen: i.unitPriceFen })),
    refunds: detail.refunds.map((r) => ({ id: r.id, amountFen: r.amountFen, status: r.status, reason: r.reason, createdAt: r.createdAt.toISOString() })),
    claims: detail.claims.map((c) => ({ id: c.id, status: c.status, amountFen: c.amountFen, reason: c.reason })),
    refundableFen: detail.refundableFen,
    paid: order.status === 'paid' || order.status === 'completed' || coop.codConfirmedAt !== null,
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const { user, cooperative } = await requirePortalAccess(request, app, params);
  const cooperativeOrderId = params.id ?? '';
  // The cooperative order must be this cooperative's before any intent is even parsed.
  if (!(await getCooperativeOrderForCoop(app.db, cooperative.id, cooperativeOrderId))) notFound();
  const submission = parseWithZod(await request.formData(), { schema });
  if (submission.status !== 'success') return data({ intent: submission.payload.intent, result: submission.reply() }, { status: 400 });
  const value = submission.value;
  const acting = { cooperativeId: cooperative.id, cooperativeOrderId, actorUserId: user.id, now: app.now() };
  const here = `/coop/${cooperative.slug}/orders/${cooperativeOrderId}`;
  const refuse = (message: string, field?: string) =>
    data({ intent: value.intent, result: submission.reply(field ? { fieldErrors: { [field]: [message] } } : { formErrors: [message] }) }, { status: 400 });
  const refundDone = (status: string): DoneKey => (status === 'succeeded' ? 'refunded' : 'refundPending');
  switch (value.intent) {
    case 'confirm-cod': {
      const r = await confirmCod(app.db, acting);
      return r.ok ? redirect(withDone(here, 'confirmed')) : refuse(`coop:fulfilment.errors.${r.problem === 'not_found' ? 'notFound' : r.problem}`);
    }
    case 'ship': {
      const r = await shipCooperativeOrder(app.db, { ...acting, carrier: value.carrier, trackingNumber: value.trackingNumber });
      if (r.ok) return redirect(withDone(here, 'shipped'));
      return r.problem === 'bad_tracking' ? refuse('coop:fulfilment.errors.bad_tracking', 'trackingNumber') : refuse(`coop:fulfilment.errors.${r.problem === 'not_found' ? 'notFound' : r.problem}`);
    }
    case 'deliver': {
      const r = await deliverCooperativeOrder(app.db, acting);
      return r.ok ? redirect(withDone(here, 'delivered')) : refuse(`coop:fulfilment.errors.${r.problem === 'not_found' ? 'notFound' : r.problem}`);
    }
    case 'cancel': {
      const r = await cancelCooperativeOrder(app.db, paymentsOf(app), { ...acting, reason: value.reason });
      return r.ok ? redirect(withDone(here, 'cancelled')) : refuse(`coop:fulfilment.errors.${r.problem === 'not_found' ? 'notFound' : r.problem}`);
    }
    case 'refund': {
      const r = await createRefund(app.db, paymentsOf(app), { cooperativeOrderId, cooperativeId: cooperative.id, amountFen: value.amount, reason: value.reason, actorUserId: user.id, now: app.now() });
      if (r.ok) return redirect(withDone(here, refundDone(r.status)));
      if (r.problem === 'exceeds_refundable') return refuse(`coop:fulfilment.errors.exceeds_refundable|${formatFen(r.refundableFen ?? 0)}`, 'amount');
      return refuse(`coop:fulfilment.errors.${r.problem === 'not_found' ? 'notFound' : r.problem}`);
    }
    case 'retry-refund': {
      const own = await getCooperativeOrderForCoop(app.db, cooperative.id, cooperativeOrderId);
      if (!own?.refunds.some((r) => r.id === value.refundId)) notFound();
      const r = await retryRefund(app.db, paymentsOf(app), { refundId: value.refundId, now: app.now() });
      return r.ok ? redirect(withDone(here, refundDone(r.status))) : refuse(`coop:fulfilment.errors.${r.problem === 'not_found' ? 'notFound' : r.problem}`);
    }
  }
}

type ActionData = { intent?: string; result: SubmissionResult<string[]> } | undefined;

/** Errors are message keys; "key|amount" carries an interpolated amount. */
function useErrorText() {
  const { t } = useTranslation();
  return (errors: string[] | undefined) => errors?.map((e) => (e.includes('|') ? t(e.split('|')[0]!, { amount: e.split('|')[1] }) : t(e)));
}

function IntentForm({ intent, children, label }: { intent: string; children?: React.ReactNode; label: string }) {
  const actionData = useActionData<typeof action>() as ActionData;
  const text = useErrorText();
  const [form] = useForm({ id: intent, lastResult: actionData?.intent === intent ? actionData.result : undefined });
  return (
    <Form method="post" className="form coop-form" {...getFormProps(form)}>
      <input type="hidden" name="intent" value={intent} />
      <FormErrors id={form.errorId} errors={text(form.errors)} />
      {children}
      <button type="submit" className="button">
        {label}
      </button>
    </Form>
  );
}

export default function CooperativeOrder() {
  const { slug, coop, order, items, refunds, claims, refundableFen, paid } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData;
  const { t, i18n } = useTranslation();
  const text = useErrorText();
  const money = (fen: number) => formatFen(fen, i18n.language);
  const [shipForm, shipFields] = useForm<{ carrier: string; trackingNumber: string }>({ id: 'ship-fields', lastResult: actionData?.intent === 'ship' ? actionData.result : undefined });
  const [refundForm, refundFields] = useForm<{ amount: string; reason: string }>({ id: 'refund-fields', lastResult: actionData?.intent === 'refund' ? actionData.result : undefined });
  const [cancelForm, cancelFields] = useForm<{ reason: string }>({ id: 'cancel-fields', lastResult: actionData?.intent === 'cancel' ? actionData.result : undefined });
  const isCod = order.paymentMethod === 'cash_on_delivery';
  return (
    <section>
      <p>
        <Link to={`/coop/${slug}/orders`}>{t('coop:fulfilment.detail.back')}</Link>
      </p>
      <h2>{t('coop:fulfilment.detail.title', { number: order.number })}</h2>
      <DoneNotice />
      <p>
        <strong>{t(`coop:fulfilment.status.${coop.status}`)}</strong> · {t(`coop:fulfilment.paymentMethod.${order.paymentMethod}`)} · {formatDateTime(order.createdAt, i18n.language)}
      </p>
      {coop.carrier ? <p>{t('coop:fulfilment.detail.shipment', { carrier: coop.carrier, trackingNumber: coop.trackingNumber })}</p> : null}
      {isCod ? <p>{coop.codConfirmedAt ? t('coop:fulfilment.detail.codConfirmed') : t('coop:fulfilment.detail.codPending')}</p> : null}
      <h3>{t('coop:fulfilment.detail.items')}</h3>
      <ul className="coop-rows">
        {items.map((i) => (
          <li key={i.id}>
            <span>
              {i.title} · {i.spec} {t('coop:fulfilment.detail.quantity', { count: i.quantity })}
            </span>
            <span>{money(i.unitPriceFen * i.quantity)}</span>
          </li>
        ))}
      </ul>
      <dl>
        <dt>{t('coop:fulfilment.detail.goods')}</dt>
        <dd>{money(coop.goodsFen)}</dd>
        <dt>{t('coop:fulfilment.detail.shipping')}</dt>
        <dd>{money(coop.shippingFen)}</dd>
        <dt>{t('coop:fulfilment.detail.refunded')}</dt>
        <dd>{money(coop.refundedFen)}</dd>
        <dt>{t('coop:fulfilment.detail.recipient')}</dt>
        <dd>
          {order.recipient} {order.mobile}
        </dd>
        <dt>{t('coop:fulfilment.detail.address')}</dt>
        <dd>{order.addressDetail}</dd>
      </dl>

      {coop.status === 'awaiting_shipment' ? (
        <Form method="post" className="form coop-form" {...getFormProps(shipForm)}>
          <h3>{t('coop:fulfilment.actions.ship')}</h3>
          <input type="hidden" name="intent" value="ship" />
          <FormErrors id={shipForm.errorId} errors={text(shipForm.errors)} />
          <div className="field">
            <label htmlFor={shipFields.carrier.id}>{t('coop:fulfilment.actions.carrier')}</label>
            <select {...getSelectProps(shipFields.carrier)} key={shipFields.carrier.key}>
              <option value="">{t('coop:fulfilment.actions.chooseCarrier')}</option>
              {CARRIERS.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name}
                </option>
              ))}
            </select>
            <ErrorList id={shipFields.carrier.errorId} errors={text(shipFields.carrier.errors)} />
          </div>
          <Field
            label={t('coop:fulfilment.actions.trackingNumber')}
            help={t('coop:fulfilment.actions.trackingHint')}
            inputProps={{ ...getInputProps(shipFields.trackingNumber, { type: 'text' }), maxLength: 40, autoComplete: 'off' }}
            errors={text(shipFields.trackingNumber.errors)}
          />
          <button type="submit" className="button">
            {t('coop:fulfilment.actions.ship')}
          </button>
        </Form>
      ) : null}
      {coop.status === 'shipped' ? <IntentForm intent="deliver" label={t('coop:fulfilment.actions.deliver')} /> : null}
      {isCod && !coop.codConfirmedAt && (coop.status === 'shipped' || coop.status === 'delivered') ? (
        <IntentForm intent="confirm-cod" label={t('coop:fulfilment.actions.confirmCod')}>
          <p>{t('coop:fulfilment.actions.confirmCodHint')}</p>
        </IntentForm>
      ) : null}
      {coop.status === 'awaiting_payment' || coop.status === 'awaiting_shipment' ? (
        <Form method="post" className="form coop-form" {...getFormProps(cancelForm)}>
          <h3>{t('coop:fulfilment.actions.cancel')}</h3>
          <p>{t('coop:fulfilment.actions.cancelHint')}</p>
          <input type="hidden" name="intent" value="cancel" />
          <FormErrors id={cancelForm.errorId} errors={text(cancelForm.errors)} />
          <Field label={t('coop:fulfilment.actions.cancelReason')} inputProps={{ ...getInputProps(cancelFields.reason, { type: 'text' }), maxLength: 200 }} errors={text(cancelFields.reason.errors)} />
          <button type="submit" className="button button--secondary">
            {t('coop:fulfilment.actions.cancel')}
          </button>
        </Form>
      ) : null}
      {paid && refundableFen > 0 ? (
        <Form method="post" className="form coop-form" {...getFormProps(refundForm)}>
          <h3>{t('coop:fulfilment.actions.refund')}</h3>
          <p>{t('coop:fulfilment.actions.refundHint', { amount: money(refundableFen) })}</p>
          <input type="hidden" name="intent" value="refund" />
          <FormErrors id={refundForm.errorId} errors={text(refundForm.errors)} />
          <Field label={t('coop:fulfilment.actions.refundAmount')} inputProps={{ ...getInputProps(refundFields.amount, { type: 'text' }), inputMode: 'decimal' }} errors={text(refundFields.amount.errors)} />
          <Field label={t('coop:fulfilment.actions.refundReason')} inputProps={{ ...getInputProps(refundFields.reason, { type: 'text' }), maxLength: 200 }} errors={text(refundFields.reason.errors)} />
          <button type="submit" className="button">
            {t('coop:fulfilment.actions.refund')}
          </button>
        </Form>
      ) : null}

      <h3>{t('coop:fulfilment.detail.refunds')}</h3>
      {refunds.length === 0 ? (
        <p>{t('coop:fulfilment.detail.noRefunds')}</p>
      ) : (
        <ul className="coop-rows">
          {refunds.map((r) => (
            <li key={r.id}>
              <span>
                {formatDateTime(r.createdAt, i18n.language)} · {r.reason} · {t(`coop:fulfilment.refundStatus.${r.status}`)}
              </span>
              <strong>{money(r.amountFen)}</strong>
              {r.status === 'pending' ? (
                <Form method="post">
                  <input type="hidden" name="intent" value="retry-refund" />
                  <input type="hidden" name="refundId" value={r.id} />
                  <button type="submit" className="button button--secondary">
                    {t('coop:fulfilment.actions.retry')}
                  </button>
                </Form>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {claims.length > 0 ? (
        <p>
          <Link to={`/coop/${slug}/claims`}>
            {t('coop:fulfilment.detail.claims')} ({claims.length})
          </Link>
        </p>
      ) : null}
    </section>
  );
}

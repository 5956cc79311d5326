import { type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { settleSucceededRefunds } from '~/models/refunds.server';
import { chinaDay, defaultPeriod, isDay, ledgerCsv, ledgerTotals, listLedger, type LedgerPeriod } from '~/models/settlement.server';
import { requirePortalAccess } from '~/routes/coop.$coop/access.server';
import { createI18n } from '~/utils/i18n';
import { isLocale } from '~/locales';
import { formatFen } from '~/utils/money';

export const handle = { i18n: ['coop'] };

const MAX_DAYS = 366;

interface LedgerRow {
  id: number;
  day: string;
  kind: 'goods' | 'shipping' | 'refund';
  amountFen: number;
  orderNumber: string;
  cooperativeOrderId: string;
}

/** The period in the query (from, to as YYYY-MM-DD), this month by default; null when invalid. */
function periodOf(url: URL, now: Date): LedgerPeriod | null {
  const from = url.searchParams.get('from');
  const to = url.searchParams.get('to');
  if (!from && !to) return defaultPeriod(now);
  if (!from || !to || !isDay(from) || !isDay(to) || from > to) return null;
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
  return days <= MAX_DAYS ? { from, to } : null;
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const { user, cooperative } = await requirePortalAccess(request, app, params);
  const url = new URL(request.url);
  const period = periodOf(url, app.now());
  if (!period) return { slug: cooperative.slug, period: defaultPeriod(app.now()), badPeriod: true, entries: [] as LedgerRow[], totals: ledgerTotals([]) };
  // Refunds the Stripe webhook settled are written to the ledger before it is read.
  await settleSucceededRefunds(app.db, app.now(), cooperative.id);
  const entries = await listLedger(app.db, cooperative.id, period);
  if (url.searchParams.get('format') === 'csv') {
    const { t } = createI18n(isLocale(user.locale) ? user.locale : 'zh-CN');
    const csv = ledgerCsv(
      entries,
      {
        date: t('coop:fulfilment.settlement.date'),
        order: t('coop:fulfilment.settlement.order'),
        kind: t('coop:fulfilment.settlement.kind'),
        amount: t('coop:fulfilment.settlement.amount'),
        note: t('coop:fulfilment.settlement.note'),
        total: t('coop:fulfilment.settlement.total'),
      },
      (kind) => t(`coop:fulfilment.settlement.kinds.${kind}`),
    );
    const fileName = `${cooperative.slug}-${period.from}-${period.to}.csv`;
    return new Response(csv, {
      headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${fileName}"`, 'Cache-Control': 'private, no-store' },
    });
  }
  return {
    slug: cooperative.slug,
    period,
    badPeriod: false,
    entries: entries.map((e): LedgerRow => ({ id: e.id, day: chinaDay(e.createdAt), kind: e.kind, amountFen: e.amountFen, orderNumber: e.orderNumber, cooperativeOrderId: e.cooperativeOrderId })),
    totals: ledgerTotals(entries),
  };
}

export default function Settlement() {
  const { slug, period, badPeriod, entries, totals } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const money = (fen: number) => formatFen(fen, i18n.language);
  const csvHref = `/coop/${slug}/settlement?${new URLSearchParams({ from: period.from, to: period.to, format: 'csv' })}`;
  return (
    <section>
      <h2>{t('coop:fulfilment.settlement.title')}</h2>
      <p>{t('coop:fulfilment.settlement.intro')}</p>
      <Form method="get" className="form coop-form">
        {badPeriod ? <p className="form-error">{t('coop:fulfilment.settlement.badPeriod')}</p> : null}
        <div className="field">
          <label htmlFor="from">{t('coop:fulfilment.settlement.from')}</label>
          <input id="from" name="from" type="date" defaultValue={period.from} required />
        </div>
        <div className="field">
          <label htmlFor="to">{t('coop:fulfilment.settlement.to')}</label>
          <input id="to" name="to" type="date" defaultValue={period.to} required />
        </div>
        <button type="submit" className="button">
          {t('coop:fulfilment.settlement.show')}
        </button>{' '}
        <a className="button button--secondary" href={csvHref} download>
          {t('coop:fulfilment.settlement.export')}
        </a>
      </Form>
      <dl>
        <dt>{t('coop:fulfilment.settlement.goods')}</dt>
        <dd>{money(totals.goodsFen)}</dd>
        <dt>{t('coop:fulfilment.settlement.shipping')}</dt>
        <dd>{money(totals.shippingFen)}</dd>
        <dt>{t('coop:fulfilment.settlement.refunds')}</dt>
        <dd>{money(totals.refundsFen)}</dd>
        <dt>{t('coop:fulfilment.settlement.net')}</dt>
        <dd>
          <strong>{money(totals.netFen)}</strong>
        </dd>
      </dl>
      {entries.length === 0 ? (
        <p>{t('coop:fulfilment.settlement.empty')}</p>
      ) : (
        <ul className="coop-rows">
          {(entries as LedgerRow[]).map((e) => (
            <li key={e.id}>
              <span>
                {e.day} · <a href={`/coop/${slug}/orders/${e.cooperativeOrderId}`}>{e.orderNumber}</a> · {t(`coop:fulfilment.settlement.kinds.${e.kind}`)}
              </span>
              <strong>{money(e.amountFen)}</strong>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

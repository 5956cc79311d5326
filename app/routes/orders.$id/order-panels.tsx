import { Link } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { formatFen } from '~/utils/money';

const chinaClock = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** "2020-02-14 10:00" in China time, built from digits only so server and browser render the same text. */
export function formatChinaTime(iso: string): string {
  const parts = Object.fromEntries(chinaClock.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

function useFormat() {
  const { t, i18n } = useTranslation();
  return { t, money: (fen: number) => formatFen(fen, i18n.language), time: formatChinaTime };
}

/** How to pay by bank transfer: the operator's account, the exact amount, the order number as reference. */
export function BankTransferPanel({
  bank,
  order,
}: {
  bank: { payee: string; bankName: string; account: string };
  order: { number: string; totalFen: number; paymentDueAt: string | null };
}) {
  const { t, money, time } = useFormat();
  return (
    <section className="panel panel--transfer" aria-labelledby="transfer-heading">
      <h2 id="transfer-heading">{t('orders:transfer.title')}</h2>
      <p>{t('orders:transfer.intro')}</p>
      <dl className="facts transfer-facts">
        <dt>{t('orders:transfer.payee')}</dt>
        <dd>{bank.payee}</dd>
        <dt>{t('orders:transfer.bank')}</dt>
        <dd>{bank.bankName}</dd>
        <dt>{t('orders:transfer.account')}</dt>
        <dd className="transfer-facts__account">{bank.account}</dd>
        <dt>{t('orders:transfer.amount')}</dt>
        <dd>
          <strong>{money(order.totalFen)}</strong>
        </dd>
        <dt>{t('orders:transfer.reference')}</dt>
        <dd>
          <strong className="transfer-facts__reference">{order.number}</strong>
        </dd>
      </dl>
      {order.paymentDueAt ? <p>{t('orders:transfer.due', { due: time(order.paymentDueAt) })}</p> : null}
      <p className="amounts__hint">{t('orders:transfer.exactAmount')}</p>
    </section>
  );
}

export function OrderTimeline({ events }: { events: { kind: string; at: string; cooperativeName?: string }[] }) {
  const { t, time } = useFormat();
  return (
    <section className="panel" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">{t('orders:detail.timeline')}</h2>
      <ol className="timeline">
        {events.map((e, i) => (
          <li key={`${e.kind}-${i}`} className={`timeline__event timeline__event--${e.kind}`}>
            <time dateTime={e.at}>{time(e.at)}</time>
            <span>{t(`orders:timeline.${e.kind}`, { cooperative: e.cooperativeName ?? '' })}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

interface ShipmentView {
  id: string;
  status: string;
  cooperativeName: string;
  cooperativeSlug: string;
  goodsFen: number;
  shippingFen: number;
  carrier: string | null;
  trackingNumber: string | null;
  shippedAt: string | null;
  codConfirmed: boolean;
  items: { id: number; title: string; spec: string; unitPriceFen: number; quantity: number }[];
}

/**
 * One block per cooperative: what it sends, its status, and carrier and tracking number once
 * shipped. While the order is unpaid, a cancelled part says it is no longer in the amount due.
 */
export function CooperativeShipments({ cooperativeOrders, cashOnDelivery, unpaid = false }: { cooperativeOrders: ShipmentView[]; cashOnDelivery: boolean; unpaid?: boolean }) {
  const { t, money, time } = useFormat();
  return (
    <section aria-labelledby="shipments-heading">
      <h2 id="shipments-heading">{t('orders:detail.shipments', { count: cooperativeOrders.length })}</h2>
      {cooperativeOrders.map((c) => (
        <section key={c.id} className="panel shipment" aria-label={c.cooperativeName}>
          <h3>
            <Link to={`/cooperatives/${c.cooperativeSlug}`}>{c.cooperativeName}</Link>
          </h3>
          <p className={`status-pill status-pill--${c.status}`}>{t(`orders:cooperativeStatus.${c.status}`)}</p>
          {c.carrier && c.trackingNumber ? (
            <p className="shipment__tracking">
              {t('orders:detail.tracking', { carrier: c.carrier, trackingNumber: c.trackingNumber })}
              {c.shippedAt ? ` · ${time(c.shippedAt)}` : null}
            </p>
          ) : null}
          <ul className="order-lines">
            {c.items.map((i) => (
              <li key={i.id}>
                <span>
                  {i.title} · {i.spec}
                </span>
                <span>
                  {money(i.unitPriceFen)} × {i.quantity}
                </span>
              </li>
            ))}
          </ul>
          <p className="amounts__hint">
            {t('orders:detail.cooperativeAmounts', { goods: money(c.goodsFen), shipping: c.shippingFen === 0 ? t('cart:group.freeShipping') : money(c.shippingFen) })}
            {unpaid && c.status === 'cancelled'
              ? ` · ${t('orders:detail.cancelledPartNotDue')}`
              : cashOnDelivery
                ? ` · ${t(c.codConfirmed ? 'orders:detail.codPaid' : 'orders:detail.codDue', { amount: money(c.goodsFen + c.shippingFen) })}`
                : null}
          </p>
        </section>
      ))}
    </section>
  );
}

import { Form, Link } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import type { CartView } from '~/models/cart.server';
import { formatFen } from '~/utils/money';

type Group = CartView['groups'][number];

/** The cart by cooperative: lines, goods and shipping per cooperative. Editable on /cart, read-only at checkout. */
export function CartGroups({ groups, editable = false }: { groups: Group[]; editable?: boolean }) {
  const { t, i18n } = useTranslation();
  const english = i18n.language === 'en';
  const money = (fen: number) => formatFen(fen, i18n.language);
  return (
    <div className="cart-groups">
      {groups.map((group) => (
        <section key={group.cooperative.id} className="cart-group" aria-labelledby={`coop-${group.cooperative.id}`}>
          <h2 id={`coop-${group.cooperative.id}`} className="cart-group__title">
            <Link to={`/cooperatives/${group.cooperative.slug}`}>{group.cooperative.legalName}</Link>
          </h2>
          <ul className="cart-lines">
            {group.lines.map((line) => (
              <li key={line.variantId} className={`cart-line${line.problem ? ' cart-line--problem' : ''}`}>
                <div className="cart-line__image" aria-hidden="true">
                  {line.imagePath ? <img src={`/uploads/${line.imagePath}`} alt="" width={64} height={64} loading="lazy" /> : <span>{line.title.slice(0, 2)}</span>}
                </div>
                <div className="cart-line__main">
                  <p className="cart-line__title">
                    <Link to={`/products/${line.slug}`}>{english && line.titleEn ? line.titleEn : line.title}</Link>
                  </p>
                  <p className="cart-line__spec">
                    {line.spec} · {money(line.unitPriceFen)}
                    {editable ? null : ` × ${line.quantity}`}
                  </p>
                  {line.problem ? (
                    <p className="field-error">{t(`cart:lineProblems.${line.problem}`, { stock: line.stock })}</p>
                  ) : null}
                  {editable ? (
                    <div className="cart-line__actions">
                      <Form method="post" action="/cart" className="quantity-form">
                        <input type="hidden" name="intent" value="update" />
                        <input type="hidden" name="variantId" value={line.variantId} />
                        <label htmlFor={`qty-${line.variantId}`} className="visually-hidden">
                          {t('cart:line.quantity', { title: line.title })}
                        </label>
                        <input
                          id={`qty-${line.variantId}`}
                          name="quantity"
                          type="number"
                          inputMode="numeric"
                          min={0}
                          max={999}
                          step={1}
                          defaultValue={line.quantity}
                          key={line.quantity}
                        />
                        <button type="submit" className="button button--secondary button--small">
                          {t('cart:line.update')}
                        </button>
                      </Form>
                      <Form method="post" action="/cart">
                        <input type="hidden" name="intent" value="remove" />
                        <input type="hidden" name="variantId" value={line.variantId} />
                        <button type="submit" className="link-button">
                          {t('cart:line.remove')}
                          <span className="visually-hidden"> {line.title}</span>
                        </button>
                      </Form>
                    </div>
                  ) : null}
                </div>
                <p className="cart-line__total">{line.problem === 'unavailable' || line.problem === 'sold_out' ? '—' : money(line.lineTotalFen)}</p>
              </li>
            ))}
          </ul>
          <dl className="amounts amounts--group">
            <dt>{t('cart:group.goods')}</dt>
            <dd>{money(group.goodsFen)}</dd>
            <dt>{t('cart:group.shipping')}</dt>
            <dd>
              {group.shippingFen === 0 ? t('cart:group.freeShipping') : money(group.shippingFen)}
              {group.cooperative.freeShippingThresholdFen !== null && group.shippingFen > 0 ? (
                <span className="amounts__hint"> {t('cart:group.freeAbove', { threshold: money(group.cooperative.freeShippingThresholdFen) })}</span>
              ) : null}
            </dd>
          </dl>
        </section>
      ))}
    </div>
  );
}

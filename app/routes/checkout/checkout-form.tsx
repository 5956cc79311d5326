import { getFormProps, getInputProps, useForm, type SubmissionResult } from '@conform-to/react';
import { Form, Link } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { CheckboxField, ErrorList, Field, FormErrors } from '~/components/forms';
import type { RegionOptionGroup } from '~/models/addresses.server';
import type { CartView } from '~/models/cart.server';
import type { PaymentMethod } from '~/models/orders.server';
import { formatFen } from '~/utils/money';
import { CartGroups } from '../cart/cart-groups';
import { AddressFields } from './address-fields';

interface CheckoutData {
  cart: CartView;
  saved: { id: string; recipient: string; mobile: string; regionNames: string[]; detail: string; isDefault: boolean }[];
  provinces: { code: string; name: string }[];
  idempotencyKey: string;
  paymentMethods: PaymentMethod[];
  signedIn: boolean;
  bankTransferHours: number;
}

type Problem = { code: string; title?: string; spec?: string; remaining?: number; totalFen?: number } | null;

interface CheckoutFields {
  addressId: string;
  recipient: string;
  mobile: string;
  province: string;
  regionCode: string;
  detail: string;
  email: string;
  saveAddress: boolean;
  paymentMethod: string;
}

export function CheckoutForm({
  data,
  lastResult,
  problem,
  province,
  regionGroups,
}: {
  data: CheckoutData;
  lastResult?: SubmissionResult<string[]>;
  problem: Problem;
  province: string | null;
  regionGroups: RegionOptionGroup[];
}) {
  const { t, i18n } = useTranslation();
  const money = (fen: number) => formatFen(fen, i18n.language);
  const defaultAddress = data.saved.find((a) => a.isDefault) ?? data.saved[0];
  const [form, fields] = useForm<CheckoutFields>({
    id: 'checkout',
    lastResult,
    defaultValue: { addressId: defaultAddress?.id ?? 'new', paymentMethod: 'bank_transfer', province: province ?? '' },
  });
  const { cart } = data;
  return (
    <Form method="post" className="checkout" {...getFormProps(form)}>
      <input type="hidden" name="idempotencyKey" value={data.idempotencyKey} />
      <input type="hidden" name="expectedTotalFen" value={cart.totalFen} />
      {problem ? (
        <p className="form-error" role="alert">
          {t(`orders:checkout.problems.${problem.code}`, {
            title: problem.title ?? '',
            spec: problem.spec ?? '',
            remaining: problem.remaining ?? 0,
            total: problem.totalFen === undefined ? '' : money(problem.totalFen),
          })}
        </p>
      ) : null}
      <FormErrors id={form.errorId} errors={form.errors} />

      <fieldset className="checkout__section">
        <legend>{t('orders:checkout.address')}</legend>
        {data.saved.length > 0 ? (
          <div className="saved-addresses" role="radiogroup" aria-label={t('orders:checkout.savedAddresses')}>
            {data.saved.map((a) => (
              <label key={a.id} className="choice">
                <input {...getInputProps(fields.addressId, { type: 'radio', value: a.id })} key={a.id} />
                <span>
                  <strong>{a.recipient}</strong> {a.mobile}
                  <br />
                  {a.regionNames.join(' ')} {a.detail}
                </span>
              </label>
            ))}
            <label className="choice">
              <input {...getInputProps(fields.addressId, { type: 'radio', value: 'new' })} key="new" />
              <span>{t('orders:checkout.newAddress')}</span>
            </label>
            <ErrorList errors={fields.addressId.errors} />
          </div>
        ) : (
          <input type="hidden" name="addressId" value="new" />
        )}
        <AddressFields
          fields={{ recipient: fields.recipient, mobile: fields.mobile, province: fields.province, regionCode: fields.regionCode, detail: fields.detail }}
          provinces={data.provinces}
          province={province}
          regionGroups={regionGroups}
        />
        {data.signedIn ? (
          <CheckboxField label={t('orders:checkout.saveAddress')} inputProps={getInputProps(fields.saveAddress, { type: 'checkbox' })} errors={fields.saveAddress.errors} />
        ) : (
          <Field
            label={t('orders:checkout.email')}
            help={t('orders:checkout.emailHelp')}
            inputProps={{ ...getInputProps(fields.email, { type: 'email' }), autoComplete: 'email' }}
            errors={fields.email.errors}
          />
        )}
      </fieldset>

      <fieldset className="checkout__section">
        <legend>{t('orders:checkout.items')}</legend>
        <CartGroups groups={cart.groups} />
        <p>
          <Link to="/cart">{t('orders:checkout.editCart')}</Link>
        </p>
      </fieldset>

      <fieldset className="checkout__section">
        <legend>{t('orders:checkout.payment')}</legend>
        {data.paymentMethods.map((method) => (
          <label key={method} className="choice">
            <input {...getInputProps(fields.paymentMethod, { type: 'radio', value: method })} key={method} />
            <span>
              <strong>{t(`orders:paymentMethods.${method}`)}</strong>
              <br />
              <small>{t(`orders:checkout.paymentHelp.${method}`, { hours: data.bankTransferHours })}</small>
            </span>
          </label>
        ))}
        <ErrorList errors={fields.paymentMethod.errors} />
      </fieldset>

      <section className="order-summary" aria-labelledby="checkout-total">
        <h2 id="checkout-total">{t('orders:checkout.summary')}</h2>
        <dl className="amounts">
          <dt>{t('cart:summary.goods')}</dt>
          <dd>{money(cart.goodsFen)}</dd>
          <dt>{t('cart:summary.shipping')}</dt>
          <dd>{money(cart.shippingFen)}</dd>
          <dt className="amounts__total">{t('cart:summary.total')}</dt>
          <dd className="amounts__total">{money(cart.totalFen)}</dd>
        </dl>
        <p className="checkout__terms">{t('orders:checkout.terms')}</p>
        <button type="submit" name="intent" value="place" className="button button--wide">
          {t('orders:checkout.submit', { total: money(cart.totalFen) })}
        </button>
      </section>
    </Form>
  );
}

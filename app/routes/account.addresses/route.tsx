import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import {
  addressFieldsSchema,
  createAddress,
  deleteAddress,
  deliveryRegionOptions,
  getAddress,
  listAddresses,
  listProvinces,
  MAX_ADDRESSES,
  provinceOf,
  setDefaultAddress,
  updateAddress,
} from '~/models/addresses.server';
import catalogStyles from '~/styles/catalog.css';
import checkoutStyles from '~/styles/checkout.css';
import { requireUser } from '~/utils/auth.server';
import { AddressForm } from './address-form';

export const handle = { i18n: ['orders'] };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: catalogStyles },
  { rel: 'stylesheet', href: checkoutStyles },
];

export const meta: MetaFunction = () => [{ title: '收货地址 · 地标助农' }, { name: 'robots', content: 'noindex' }];

const provinceParam = z.string().regex(/^\d{2}0000$/);
const addressId = z.string().uuid();

const SaveSchema = addressFieldsSchema.extend({
  intent: z.enum(['create', 'update']),
  addressId: addressId.optional(),
  makeDefault: z.boolean().optional(),
});
const PickSchema = z.object({ intent: z.enum(['delete', 'default']), addressId });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const params = new URL(request.url).searchParams;
  const editing = params.get('edit') ? await getAddress(app.db, user.id, params.get('edit')!) : undefined;
  const requested = provinceParam.safeParse(params.get('province'));
  const province = requested.success ? requested.data : editing ? await provinceOf(app.db, editing.regionCode) : null;
  const addresses = await listAddresses(app.db, user.id);
  return {
    addresses: addresses.map((a) => ({ id: a.id, recipient: a.recipient, mobile: a.mobile, regionCode: a.regionCode, regionNames: a.regionNames, detail: a.detail, isDefault: a.isDefault })),
    editing: editing ? { id: editing.id, recipient: editing.recipient, mobile: editing.mobile, regionCode: editing.regionCode, detail: editing.detail, isDefault: editing.isDefault } : null,
    provinces: await listProvinces(app.db),
    province,
    regionGroups: province ? await deliveryRegionOptions(app.db, province) : [],
    full: addresses.length >= MAX_ADDRESSES,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const formData = await request.formData();
  const intent = formData.get('intent');
  if (intent === 'province') {
    const submission = parseWithZod(formData, { schema: z.object({}).passthrough() });
    const province = provinceParam.safeParse(formData.get('province')).data ?? null;
    return { result: submission.reply(), province, regionGroups: province ? await deliveryRegionOptions(app.db, province) : [] };
  }
  if (intent === 'delete' || intent === 'default') {
    const parsed = PickSchema.safeParse(Object.fromEntries(formData));
    if (!parsed.success) return redirect('/account/addresses');
    const { addressId: id } = parsed.data;
    const done = intent === 'delete' ? await deleteAddress(app.db, user.id, id) : await setDefaultAddress(app.db, user.id, id);
    return redirect(done.ok ? `/account/addresses?${intent === 'delete' ? 'deleted' : 'defaulted'}=1` : '/account/addresses');
  }
  const submission = parseWithZod(formData, { schema: SaveSchema });
  const province = provinceParam.safeParse(formData.get('province')).data ?? null;
  const regionGroups = province ? await deliveryRegionOptions(app.db, province) : [];
  if (submission.status !== 'success') return data({ result: submission.reply(), province, regionGroups }, { status: 400 });
  const { intent: save, addressId: id, makeDefault, ...fields } = submission.value;
  const result =
    save === 'update' && id
      ? await updateAddress(app.db, user.id, id, fields, { makeDefault: Boolean(makeDefault) })
      : await createAddress(app.db, user.id, fields, { makeDefault: Boolean(makeDefault), now: app.now() });
  if (!result.ok) {
    const errors =
      result.problem === 'region_invalid'
        ? { fieldErrors: { regionCode: ['orders:address.errors.regionRequired'] } }
        : { formErrors: [result.problem === 'too_many' ? 'orders:address.errors.tooMany' : 'orders:address.errors.not_found'] };
    return data({ result: submission.reply(errors), province, regionGroups }, { status: 400 });
  }
  return redirect('/account/addresses?saved=1');
}

export default function AddressesRoute() {
  const loaderData = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const { t } = useTranslation();
  const notice = ['saved', 'deleted', 'defaulted'].find((k) => params.get(k) === '1');
  const { addresses, editing } = loaderData;
  return (
    <section className="addresses-page">
      <h1>{t('orders:addresses.title')}</h1>
      <p>
        <Link to="/account">{t('orders:addresses.backToAccount')}</Link>
      </p>
      {notice ? (
        <p className="form-notice" role="status">
          {t(`orders:addresses.notices.${notice}`)}
        </p>
      ) : null}
      {addresses.length === 0 ? <p>{t('orders:addresses.empty')}</p> : null}
      <ul className="address-list">
        {addresses.map((a) => (
          <li key={a.id} className="address-card">
            <p>
              <strong>{a.recipient}</strong> {a.mobile} {a.isDefault ? <span className="badge">{t('orders:addresses.default')}</span> : null}
              <br />
              {a.regionNames.join(' ')} {a.detail}
            </p>
            <div className="address-card__actions">
              <Link to={`?edit=${a.id}`}>{t('orders:addresses.edit')}</Link>
              {a.isDefault ? null : (
                <Form method="post">
                  <input type="hidden" name="addressId" value={a.id} />
                  <button type="submit" name="intent" value="default" className="link-button">
                    {t('orders:addresses.makeDefault')}
                  </button>
                </Form>
              )}
              <Form method="post">
                <input type="hidden" name="addressId" value={a.id} />
                <button type="submit" name="intent" value="delete" className="link-button">
                  {t('orders:addresses.delete')}
                </button>
              </Form>
            </div>
          </li>
        ))}
      </ul>
      {editing || !loaderData.full ? (
        <AddressForm
          key={editing?.id ?? 'new'}
          editing={editing}
          provinces={loaderData.provinces}
          province={actionData ? actionData.province : loaderData.province}
          regionGroups={actionData ? actionData.regionGroups : loaderData.regionGroups}
          lastResult={actionData?.result}
        />
      ) : (
        <p>{t('orders:address.errors.tooMany')}</p>
      )}
    </section>
  );
}

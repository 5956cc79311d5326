import crypto from 'node:crypto';
import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { addressFieldsSchema, createAddress, deliveryRegionOptions, getAddress, listAddresses, listProvinces } from '~/models/addresses.server';
import { getCartView, resolveVisitorCart } from '~/models/cart.server';
import { orderPath, placeOrder, startOnlinePayment, type CheckoutProblem } from '~/models/checkout.server';
import { getDelayNoticesForProducts } from '~/models/reports.server';
import { DelayNotice, delayNoticeLinks } from '~/components/delay-notice';
import catalogStyles from '~/styles/catalog.css';
import checkoutStyles from '~/styles/checkout.css';
import { getOptionalUser } from '~/utils/auth.server';
import { CheckoutForm } from './checkout-form';
import { availablePaymentMethods, checkCheckoutRate, checkoutSchema, paymentsPort, siteOrigin } from './form.server';

export const handle = { i18n: ['cart', 'orders'] };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: catalogStyles },
  { rel: 'stylesheet', href: checkoutStyles },
  ...delayNoticeLinks(),
];

export const meta: MetaFunction = () => [{ title: '结算 · 地标助农' }, { name: 'robots', content: 'noindex' }];

const provinceParam = z.string().regex(/^\d{2}0000$/);

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await getOptionalUser(request, app);
  const visitor = await resolveVisitorCart(app, request, user);
  const headers = visitor.setCookie ? { 'Set-Cookie': visitor.setCookie } : undefined;
  const cart = await getCartView(app.db, visitor.cartId);
  if (cart.lineCount === 0) throw redirect('/cart', { headers });
  const saved = user ? await listAddresses(app.db, user.id) : [];
  const requested = provinceParam.safeParse(new URL(request.url).searchParams.get('province'));
  const province = requested.success ? requested.data : null;
  return data(
    {
      cart,
      saved: saved.map((a) => ({ id: a.id, recipient: a.recipient, mobile: a.mobile, regionNames: a.regionNames, detail: a.detail, isDefault: a.isDefault })),
      provinces: await listProvinces(app.db),
      province,
      regionGroups: province ? await deliveryRegionOptions(app.db, province) : [],
      // A fresh key per rendered form: a double submit of this form makes one order.
      idempotencyKey: crypto.randomUUID(),
      paymentMethods: availablePaymentMethods(app),
      signedIn: Boolean(user),
      bankTransferHours: app.env.BANK_TRANSFER_EXPIRY_HOURS,
      // Shipping from a region with an open 物流受阻 report may be late: say so before payment.
      delayNotices: await getDelayNoticesForProducts(app.db, [...new Set(cart.groups.flatMap((g) => g.lines.map((l) => l.productId)))]),
    },
    { headers },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const formData = await request.formData();
  const user = await getOptionalUser(request, app);

  if (formData.get('intent') === 'province') {
    const submission = parseWithZod(formData, { schema: z.object({}).passthrough() });
    const chosen = provinceParam.safeParse(formData.get('province'));
    const province = chosen.success ? chosen.data : null;
    return { result: submission.reply(), province, regionGroups: province ? await deliveryRegionOptions(app.db, province) : [], problem: null };
  }

  const methods = availablePaymentMethods(app);
  const submission = parseWithZod(formData, { schema: checkoutSchema(methods, Boolean(user)) });
  const province = provinceParam.safeParse(formData.get('province')).data ?? null;
  const regionGroups = province ? await deliveryRegionOptions(app.db, province) : [];
  const reply = (status: number, problem: CheckoutProblem | { code: 'rate_limited' | 'provider_unavailable' } | null, extra?: Parameters<typeof submission.reply>[0]) =>
    data({ result: submission.reply(extra), province, regionGroups, problem }, { status });

  const limited = await checkCheckoutRate(app, request, user?.id ?? null);
  if (limited) return data({ result: submission.reply(), province, regionGroups, problem: { code: 'rate_limited' as const } }, { status: 429, headers: { 'Retry-After': limited.retryAfter } });
  if (submission.status !== 'success') return reply(400, null);
  const form = submission.value;

  const useSaved = user && form.addressId && form.addressId !== 'new' ? await getAddress(app.db, user.id, form.addressId) : undefined;
  if (user && form.addressId && form.addressId !== 'new' && !useSaved) return reply(400, null, { fieldErrors: { addressId: ['orders:checkout.errors.addressGone'] } });
  const address = useSaved
    ? { recipient: useSaved.recipient, mobile: useSaved.mobile, regionCode: useSaved.regionCode, detail: useSaved.detail }
    : addressFieldsSchema.parse(form);

  const visitor = await resolveVisitorCart(app, request, user);
  const now = app.now();
  const placed = await placeOrder(app.db, {
    owner: visitor.owner,
    idempotencyKey: form.idempotencyKey,
    address,
    contactEmail: user ? null : (form.email ?? null),
    paymentMethod: form.paymentMethod as (typeof methods)[number],
    expectedTotalFen: form.expectedTotalFen,
    now,
    secret: app.sessionSecret,
    bankTransferExpiryHours: app.env.BANK_TRANSFER_EXPIRY_HOURS,
    stripeCheckoutExpiryMinutes: app.env.STRIPE_CHECKOUT_EXPIRY_MINUTES,
    siteUrl: siteOrigin(app, request),
    bankDetails: { payee: app.env.OPERATOR_BANK_PAYEE, bankName: app.env.OPERATOR_BANK_NAME, account: app.env.OPERATOR_BANK_ACCOUNT },
  });
  if (!placed.ok) return reply(409, placed.problem);

  if (user && !useSaved && form.saveAddress && !placed.reused) await createAddress(app.db, user.id, address, { now });
  const path = orderPath(placed.orderId, placed.accessToken);
  const join = path.includes('?') ? '&' : '?';
  const port = paymentsPort(app);
  if (form.paymentMethod === 'stripe' && port) {
    const origin = siteOrigin(app, request);
    const started = await startOnlinePayment(app.db, port, {
      orderId: placed.orderId,
      owner: visitor.owner,
      successUrl: `${origin}${path}${join}paid=1`,
      cancelUrl: `${origin}${path}`,
      stripeCheckoutExpiryMinutes: app.env.STRIPE_CHECKOUT_EXPIRY_MINUTES,
      now,
      // The first attempt: no session reached the buyer, so a failure gives the cart back.
      cancelOnFailure: true,
    });
    if (started.ok) return redirect(started.redirectUrl);
    if (started.problem === 'provider_error') app.logger.error({ err: started.error, orderId: placed.orderId }, 'starting the online payment failed');
    const providerDown = started.problem === 'provider_unavailable' || started.problem === 'provider_error';
    return reply(providerDown ? 503 : 409, { code: providerDown ? 'provider_unavailable' : 'form_expired' });
  }
  return redirect(`${path}${join}placed=1`);
}

export default function CheckoutRoute() {
  const loaderData = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation();
  const province = actionData ? actionData.province : loaderData.province;
  return (
    <section className="checkout-page">
      <h1>{t('orders:checkout.title')}</h1>
      <DelayNotice notices={loaderData.delayNotices} />
      <CheckoutForm
        data={loaderData}
        lastResult={actionData?.result}
        problem={actionData?.problem ?? null}
        province={province}
        regionGroups={actionData ? actionData.regionGroups : loaderData.regionGroups}
      />
    </section>
  );
}

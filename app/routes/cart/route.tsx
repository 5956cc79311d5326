import { parseWithZod } from '~/utils/parse-form';
import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';
import { z } from 'zod';
import { addToCart, ensureVisitorCart, getCartView, MAX_LINE_QUANTITY, removeCartItem, resolveVisitorCart, updateCartItem, type CartChangeResult } from '~/models/cart.server';
import catalogStyles from '~/styles/catalog.css';
import checkoutStyles from '~/styles/checkout.css';
import { getOptionalUser } from '~/utils/auth.server';
import { formatFen } from '~/utils/money';
import { CartGroups } from './cart-groups';

export const handle = { i18n: ['cart'] };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: catalogStyles },
  { rel: 'stylesheet', href: checkoutStyles },
];

export const meta: MetaFunction = () => [{ title: '购物车 · 地标助农' }, { name: 'robots', content: 'noindex' }];

const variantId = z.coerce.number().int().positive();
const CartActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('add'), variantId, quantity: z.coerce.number().int().min(1).max(MAX_LINE_QUANTITY).default(1) }),
  z.object({ intent: z.literal('update'), variantId, quantity: z.coerce.number().int().min(0).max(MAX_LINE_QUANTITY) }),
  z.object({ intent: z.literal('remove'), variantId }),
]);

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await getOptionalUser(request, app);
  const visitor = await resolveVisitorCart(app, request, user);
  const cart = await getCartView(app.db, visitor.cartId);
  return data({ cart }, visitor.setCookie ? { headers: { 'Set-Cookie': visitor.setCookie } } : undefined);
}

function headersWith(cookie: string | null): HeadersInit | undefined {
  return cookie ? { 'Set-Cookie': cookie } : undefined;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const submission = parseWithZod(await request.formData(), { schema: CartActionSchema });
  if (submission.status !== 'success') return data({ problem: { code: 'invalid' } as const }, { status: 400 });
  const input = submission.value;
  const user = await getOptionalUser(request, app);
  const now = app.now();
  let visitor;
  let result: CartChangeResult;
  if (input.intent === 'add') {
    visitor = await ensureVisitorCart(app, request, user);
    result = await addToCart(app.db, { cartId: visitor.cartId, variantId: input.variantId, quantity: input.quantity, now });
  } else {
    visitor = await resolveVisitorCart(app, request, user);
    if (!visitor.cartId) return redirect('/cart', { headers: headersWith(visitor.setCookie) });
    result =
      input.intent === 'update'
        ? await updateCartItem(app.db, { cartId: visitor.cartId, variantId: input.variantId, quantity: input.quantity, now })
        : await removeCartItem(app.db, { cartId: visitor.cartId, variantId: input.variantId, now });
  }
  if (!result.ok) return data({ problem: result.problem }, { status: 409, headers: headersWith(visitor.setCookie) });
  const notice = result.clamped ? `clamped=${input.variantId}` : input.intent === 'add' ? `added=${input.variantId}` : '';
  return redirect(notice ? `/cart?${notice}` : '/cart', { headers: headersWith(visitor.setCookie) });
}

export default function CartRoute() {
  const { cart } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const { t, i18n } = useTranslation();
  const money = (fen: number) => formatFen(fen, i18n.language);
  const lines = cart.groups.flatMap((g) => g.lines);
  const clamped = lines.find((l) => String(l.variantId) === params.get('clamped'));
  const added = lines.find((l) => String(l.variantId) === params.get('added'));
  const problem = actionData?.problem;
  return (
    <section className="cart-page">
      <h1>{t('cart:title')}</h1>
      {problem ? (
        <p className="form-error" role="alert">
          {t(`cart:problems.${problem.code}`, { title: 'title' in problem ? problem.title : '' })}
        </p>
      ) : null}
      {clamped ? (
        <p className="form-notice form-notice--warning" role="status">
          {t('cart:notices.clamped', { title: clamped.title, stock: clamped.stock })}
        </p>
      ) : added ? (
        <p className="form-notice" role="status">
          {t('cart:notices.added', { title: added.title, spec: added.spec })}
        </p>
      ) : null}

      {cart.lineCount === 0 ? (
        <div className="cart-empty">
          <p>{t('cart:empty')}</p>
          <p>
            <Link to="/" className="button">
              {t('cart:browse')}
            </Link>
          </p>
        </div>
      ) : (
        <>
          <CartGroups groups={cart.groups} editable />
          <section className="order-summary" aria-labelledby="cart-summary-heading">
            <h2 id="cart-summary-heading" className="visually-hidden">
              {t('cart:summary.title')}
            </h2>
            <dl className="amounts">
              <dt>{t('cart:summary.goods')}</dt>
              <dd>{money(cart.goodsFen)}</dd>
              <dt>{t('cart:summary.shipping')}</dt>
              <dd>{money(cart.shippingFen)}</dd>
              <dt className="amounts__total">{t('cart:summary.total')}</dt>
              <dd className="amounts__total">{money(cart.totalFen)}</dd>
            </dl>
            {cart.problems.length > 0 ? (
              <p className="form-error" role="status">
                {t('cart:summary.fixProblems')}
              </p>
            ) : null}
            <p>
              <Link to="/checkout" className="button button--wide">
                {t('cart:summary.checkout')}
              </Link>
            </p>
          </section>
        </>
      )}
    </section>
  );
}

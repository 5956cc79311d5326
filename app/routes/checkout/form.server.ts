/** Form parsing and access for /checkout: the route stays thin, the rules stay in the models. */
import { z } from 'zod';
import { addressFieldsSchema } from '~/models/addresses.server';
import type { PaymentMethod } from '~/models/orders.server';
import type { AppContext } from '~/utils/context.server';
import type { StripePayments } from '~/utils/payments/stripe.server';
import { getClientIp, hitRateLimit, retryAfterSeconds, type RateLimitRule } from '~/utils/rate-limit.server';

const MINUTE = 60_000;
/** A buyer places a few orders at most; a shared address (NAT, an office) may place more. */
export const CHECKOUT_LIMITS = {
  ip: { limit: 30, windowMs: 10 * MINUTE },
  user: { limit: 10, windowMs: 10 * MINUTE },
} as const satisfies Record<string, RateLimitRule>;

/** The online payments port (Stripe), when configured. */
export function paymentsPort(app: AppContext): StripePayments | null {
  return app.payments ?? null;
}

export function availablePaymentMethods(app: AppContext): PaymentMethod[] {
  return paymentsPort(app) ? ['bank_transfer', 'cash_on_delivery', 'stripe'] : ['bank_transfer', 'cash_on_delivery'];
}

const optionalText = z.string().optional();

export function checkoutSchema(methods: readonly PaymentMethod[], signedIn: boolean) {
  return z
    .object({
      intent: z.literal('place'),
      idempotencyKey: z.string().uuid(),
      expectedTotalFen: z.coerce.number().int().min(0),
      paymentMethod: z
        .string({ required_error: 'orders:checkout.errors.paymentMethodRequired' })
        .refine((m): m is PaymentMethod => (methods as readonly string[]).includes(m), 'orders:checkout.errors.paymentMethodRequired'),
      addressId: optionalText,
      recipient: optionalText,
      mobile: optionalText,
      province: optionalText,
      regionCode: optionalText,
      detail: optionalText,
      email: z.string().trim().email('orders:checkout.errors.emailInvalid').max(254).optional(),
      saveAddress: z.boolean().optional(),
    })
    .superRefine((value, ctx) => {
      if (signedIn && value.addressId && value.addressId !== 'new') return;
      const parsed = addressFieldsSchema.safeParse(value);
      if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue(issue);
    });
}

/** Counts a checkout attempt against the address and the user; a Response when over the limit. */
export async function checkCheckoutRate(app: AppContext, request: Request, userId: string | null): Promise<{ retryAfter: string } | null> {
  const now = app.now();
  const checks: [string, RateLimitRule][] = [[`checkout:ip:${getClientIp(request)}`, CHECKOUT_LIMITS.ip]];
  if (userId) checks.push([`checkout:user:${userId}`, CHECKOUT_LIMITS.user]);
  for (const [key, rule] of checks) {
    const result = await hitRateLimit(app.db, key, { ...rule, now });
    if (!result.allowed) return { retryAfter: retryAfterSeconds(result.retryAfterMs) };
  }
  return null;
}

export function siteOrigin(app: AppContext, request: Request): string {
  return (app.env.PUBLIC_URL ?? new URL(request.url).origin).replace(/\/$/, '');
}

/**
 * Stripe's webhook: POST only. The signature is checked on the raw body with
 * STRIPE_WEBHOOK_SECRET (400 when it does not match); the event is stored by id and applied once
 * (app/models/stripe-webhooks.server.ts). A processing error answers 500 so Stripe delivers again.
 */
import type { ActionFunctionArgs } from '@remix-run/node';
import { receiveStripeEvent } from '~/models/stripe-webhooks.server';
import { isStripeSignatureError, verifyStripeWebhook } from '~/utils/payments/stripe.server';

const methodNotAllowed = () => new Response('Method Not Allowed', { status: 405, headers: { Allow: 'POST' } });
const badRequest = (message: string) => Response.json({ error: message }, { status: 400 });

export function loader() {
  return methodNotAllowed();
}

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed();
  const { app } = context;
  const secret = app.env.STRIPE_WEBHOOK_SECRET;
  if (!secret) return Response.json({ error: 'Stripe webhooks are not configured' }, { status: 404 });

  const signature = request.headers.get('stripe-signature');
  // The signature covers the exact bytes Stripe sent: never parse before verifying.
  const rawBody = Buffer.from(await request.arrayBuffer());
  if (!signature) return badRequest('missing Stripe-Signature header');
  if (rawBody.length === 0) return badRequest('empty body');

  let event;
  try {
    event = verifyStripeWebhook(rawBody, signature, secret, app.now());
  } catch (error) {
    if (!isStripeSignatureError(error)) throw error;
    app.logger.warn({ err: error }, 'Stripe webhook with a bad signature');
    return badRequest('bad signature');
  }

  try {
    const outcome = await receiveStripeEvent(app.db, event, { now: app.now(), logger: app.logger });
    return Response.json({ received: true, outcome });
  } catch (error) {
    app.logger.error({ err: error, stripeEventId: event.id, stripeEventType: event.type }, 'Stripe event processing failed; Stripe will deliver it again');
    return Response.json({ error: 'processing failed' }, { status: 500 });
  }
}

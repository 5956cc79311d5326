/**
 * A local HTTP double of the Stripe API (v1, version 2026-10-28.endive) for the part the app uses,
 * written from Stripe's documented API (/work/shared/API-FACTS.md: stripe@23 types, docs pages):
 *
 * - `POST /v1/checkout/sessions`, `GET /v1/checkout/sessions/:id`, `POST …/:id/expire`,
 *   `POST /v1/refunds`, `GET /v1/refunds/:id`. Anything else answers 404 "Unrecognized request URL".
 * - Requests are checked as Stripe checks them: `Authorization: Bearer <key>` (401 otherwise),
 *   form-encoded bodies with bracketed keys, required and unknown parameters, integers, enums,
 *   currencies per payment method, line items (one of price/price_data, one of product/product_data,
 *   at most 100, one currency), metadata limits, `expires_at` 30 min–24 h after creation. Endive
 *   removed `payment_method_types` from session create: the double refuses it.
 * - Errors have Stripe's shape `{error:{type, code?, message, param?}}` and statuses (400, 401, 404,
 *   500). Where Stripe's exact code is not documented (marked UNCONFIRMED below) the double picks one
 *   and the app must not depend on it.
 * - Idempotency: the first answer to a POST with an `Idempotency-Key` (any status, once past
 *   authentication) is saved and replayed with `Idempotent-Replayed: true`; the same key with other
 *   parameters or another endpoint answers 400 `idempotency_error`.
 *
 * Stricter than confirmed: WeChat Pay without `payment_method_options[wechat_pay][client]` is
 * refused (the docs only say `client` is required inside that object).
 *
 * Test controls: `setLatency(ms)` answers late (the request is processed first, as when Stripe is
 * slow), `hang()` never answers, `failNext(n, status)` answers 5xx `api_error`, `setNow()` moves the
 * double's clock; `completeSession`, `succeedAsyncPayment`, `failAsyncPayment`, `expireSession`
 * play the buyer and Stripe's side; `event()` wraps an object in an Event envelope and
 * `signWebhook()` signs it with the real library.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

export const STRIPE_API_VERSION = '2026-10-28.endive';
export const DOUBLE_SECRET_KEY = 'sk_test_double_4eC39HqLyjWDarjtT1zdp7dc';

// ---------------------------------------------------------------- errors

type ErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  error: { type: ErrorType; code?: string; message: string; param?: string; doc_url?: string };
}

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }

  body(): StripeErrorBody {
    return {
      error: {
        type: this.type,
        ...(this.code ? { code: this.code, doc_url: `https://stripe.com/docs/error-codes/${this.code.replace(/_/g, '-')}` } : {}),
        message: this.message,
        ...(this.param ? { param: this.param } : {}),
      },
    };
  }
}

const invalid = (message: string, param?: string, code?: string) => new StripeApiError(400, 'invalid_request_error', message, code, param);
const missing = (param: string) => invalid(`Missing required param: ${param}.`, param, 'parameter_missing');
const unknownParam = (param: string) => invalid(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
const noSuch = (kind: string, id: string, param: string, status = 404) =>
  new StripeApiError(status, 'invalid_request_error', `No such ${kind}: '${id}'`, 'resource_missing', param);

// ---------------------------------------------------------------- form bodies

export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** Parses `a[b][0][c]=v` (brackets encoded or not) into nested objects; numeric segments make arrays. */
export function parseStripeForm(body: string): FormObject {
  const root: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    if (!match) throw invalid(`Invalid parameter name: ${rawKey}`);
    const path = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!;
      const container = node as Record<string, unknown>;
      const key = Array.isArray(node) && segment === '' ? String(node.length) : segment;
      if (i === path.length - 1) {
        container[key] = value;
        break;
      }
      container[key] ??= /^\d*$/.test(path[i + 1]!) ? [] : {};
      const child = container[key];
      if (typeof child !== 'object' || child === null) throw invalid(`Invalid parameter: ${path.slice(0, i + 1).join('.')}`, path[0]);
      node = child as Record<string, unknown> | unknown[];
    }
  }
  return root as FormObject;
}

const isObject = (v: FormValue | undefined): v is FormObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function paramName(path: (string | number)[]): string {
  return path.map((p, i) => (i === 0 ? String(p) : `[${p}]`)).join('');
}

function expectKnown(object: FormObject, allowed: readonly string[], path: (string | number)[]) {
  for (const key of Object.keys(object)) if (!allowed.includes(key)) throw unknownParam(paramName([...path, key]));
}

function expectObject(value: FormValue | undefined, path: (string | number)[]): FormObject {
  if (value === undefined) return {};
  if (!isObject(value)) throw invalid(`Invalid object`, paramName(path), 'parameter_invalid_object');
  return value;
}

function expectArray(value: FormValue | undefined, path: (string | number)[]): FormValue[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(`Invalid array`, paramName(path), 'parameter_invalid_array');
  return value;
}

function expectString(value: FormValue | undefined, path: (string | number)[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`Invalid string: ${JSON.stringify(value)}`, paramName(path), 'parameter_invalid_string');
  return value;
}

function expectInteger(value: FormValue | undefined, path: (string | number)[], min = 0): number | undefined {
  const text = expectString(value, path);
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw invalid(`Invalid integer: ${text}`, paramName(path), 'parameter_invalid_integer');
  const number = Number(text);
  if (number < min) throw invalid(`This value must be greater than or equal to ${min}.`, paramName(path), 'parameter_invalid_integer');
  return number;
}

function expectEnum<T extends string>(value: FormValue | undefined, path: (string | number)[], allowed: readonly T[]): T | undefined {
  const text = expectString(value, path);
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) {
    throw invalid(`Invalid ${paramName(path)}: must be one of ${allowed.join(', ')}`, paramName(path));
  }
  return text as T;
}

/** Metadata rules [SD:api/metadata]: ≤50 keys, key ≤40 chars, value ≤500 chars; an empty value unsets. */
function expectMetadata(value: FormValue | undefined, path: string[]): Record<string, string> {
  const object = expectObject(value, path);
  const keys = Object.keys(object);
  if (keys.length > 50) throw invalid('You can have at most 50 metadata keys.', paramName(path));
  const metadata: Record<string, string> = {};
  for (const key of keys) {
    const text = expectString(object[key], [...path, key])!;
    if (key.length > 40) throw invalid(`Metadata keys can be at most 40 characters long. Invalid key: ${key}`, paramName([...path, key]));
    if (text.length > 500) throw invalid(`Metadata values can be at most 500 characters long. Invalid value for key: ${key}`, paramName([...path, key]));
    if (text !== '') metadata[key] = text;
  }
  return metadata;
}

function expectUrl(value: FormValue | undefined, param: string): string | undefined {
  const text = expectString(value, [param]);
  if (text === undefined) return undefined;
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw invalid(`Not a valid URL`, param, 'url_invalid');
  }
  return text;
}

// ---------------------------------------------------------------- resources

const PAYMENT_METHODS = ['card', 'alipay', 'wechat_pay'] as const;
type PaymentMethodType = (typeof PAYMENT_METHODS)[number];
/** The methods the double knows, and the currencies each takes at Checkout [SD:payments/*]. */
const METHOD_CURRENCIES: Record<PaymentMethodType, readonly string[] | null> = {
  card: null,
  alipay: ['aud', 'cad', 'eur', 'gbp', 'hkd', 'jpy', 'nzd', 'sgd', 'usd', 'myr', 'cny'],
  wechat_pay: ['aud', 'cad', 'cny', 'eur', 'gbp', 'hkd', 'jpy', 'sgd', 'usd', 'dkk', 'nok', 'sek', 'chf'],
};
const CURRENCIES = ['aud', 'cad', 'chf', 'cny', 'dkk', 'eur', 'gbp', 'hkd', 'jpy', 'myr', 'nok', 'nzd', 'sek', 'sgd', 'usd'];
/** Stripe's largest amount for two-decimal currencies (8 digits). */
const MAX_AMOUNT = 99_999_999;
const LOCALES = ['auto', 'en', 'zh', 'zh-HK', 'zh-TW', 'ja', 'ko', 'fr', 'de', 'es'];

export interface DoubleSession {
  id: string;
  object: 'checkout.session';
  allowed_payment_method_types: string[] | null;
  amount_subtotal: number;
  amount_total: number;
  cancel_url: string | null;
  client_reference_id: string | null;
  created: number;
  currency: string;
  customer_email: string | null;
  expires_at: number;
  livemode: false;
  locale: string | null;
  metadata: Record<string, string>;
  mode: 'payment';
  payment_intent: string | null;
  payment_method_options: Record<string, Record<string, string>>;
  payment_method_types: string[];
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  status: 'open' | 'complete' | 'expired';
  success_url: string | null;
  ui_mode: string;
  url: string | null;
}

interface DoublePaymentIntent {
  id: string;
  amount: number;
  amountRefunded: number;
  currency: string;
  chargeId: string;
  status: 'processing' | 'succeeded' | 'canceled' | 'requires_payment_method';
  metadata: Record<string, string>;
}

export interface DoubleRefund {
  id: string;
  object: 'refund';
  amount: number;
  charge: string;
  created: number;
  currency: string;
  failure_reason: string | null;
  metadata: Record<string, string>;
  payment_intent: string;
  reason: string | null;
  status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  params: FormObject;
  status: number;
  replayed: boolean;
}

const SESSION_CREATE_PARAMS = [
  'mode',
  'line_items',
  'allowed_payment_method_types',
  'excluded_payment_method_types',
  'payment_method_options',
  'payment_intent_data',
  'metadata',
  'client_reference_id',
  'customer_email',
  'success_url',
  'cancel_url',
  'expires_at',
  'locale',
  'ui_mode',
  'currency',
  'submit_type',
  'expand',
] as const;

interface SavedAnswer {
  fingerprint: string;
  status: number;
  body: unknown;
}

type Route = { method: string; pattern: RegExp; handle: (match: RegExpExecArray, params: FormObject) => [number, unknown] };

export class StripeDouble {
  readonly requests: RecordedRequest[] = [];
  readonly sessions = new Map<string, DoubleSession>();
  readonly refunds = new Map<string, DoubleRefund>();
  private readonly paymentIntents = new Map<string, DoublePaymentIntent>();
  private readonly idempotency = new Map<string, SavedAnswer>();
  private latencyMs = 0;
  private hanging = false;
  private failures: { remaining: number; status: number } = { remaining: 0, status: 500 };
  private nextRefundStatus: DoubleRefund['status'] = 'succeeded';
  private clock: () => number = () => Date.now();
  private readonly routes: Route[];
  private readonly hungResponses = new Set<http.ServerResponse>();

  private constructor(
    private readonly server: http.Server,
    readonly secretKey: string,
  ) {
    this.routes = [
      { method: 'POST', pattern: /^\/v1\/checkout\/sessions$/, handle: (_m, p) => [200, this.createSession(p)] },
      { method: 'GET', pattern: /^\/v1\/checkout\/sessions\/([^/]+)$/, handle: (m) => [200, this.retrieveSession(m[1]!)] },
      { method: 'POST', pattern: /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/, handle: (m, p) => [200, this.expireSessionRequest(m[1]!, p)] },
      { method: 'POST', pattern: /^\/v1\/refunds$/, handle: (_m, p) => [200, this.createRefund(p)] },
      { method: 'GET', pattern: /^\/v1\/refunds\/([^/]+)$/, handle: (m) => [200, this.retrieveRefund(m[1]!)] },
    ];
  }

  static async start(options: { secretKey?: string } = {}): Promise<StripeDouble> {
    const server = http.createServer();
    const double = new StripeDouble(server, options.secretKey ?? DOUBLE_SECRET_KEY);
    server.on('request', (req, res) => void double.serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return double;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Options for the stripe client (and the adapter) to talk to this double. */
  get clientOptions(): { host: string; port: number; protocol: 'http' } {
    return { host: '127.0.0.1', port: this.port, protocol: 'http' };
  }

  async close(): Promise<void> {
    for (const res of this.hungResponses) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------- controls

  /** Answers after `ms` (the request is processed at once, as when Stripe is slow to answer). */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** Never answers (nor processes) requests until `hang(false)`. */
  hang(on = true): void {
    this.hanging = on;
  }

  /** The next `count` requests answer `status` with an `api_error` before reaching any endpoint. */
  failNext(count: number, status = 500): void {
    this.failures = { remaining: count, status };
  }

  /** The double's clock in milliseconds (defaults to the real one). */
  setNow(now: () => number): void {
    this.clock = now;
  }

  /** Refunds created from now on take this status (WeChat Pay and Alipay refunds may stay pending). */
  setRefundStatus(status: DoubleRefund['status']): void {
    this.nextRefundStatus = status;
  }

  /** Forgets every request, session, refund and idempotency key, and clears the controls. */
  reset(): void {
    this.requests.length = 0;
    this.sessions.clear();
    this.refunds.clear();
    this.paymentIntents.clear();
    this.idempotency.clear();
    this.latencyMs = 0;
    this.hanging = false;
    this.failures = { remaining: 0, status: 500 };
    this.nextRefundStatus = 'succeeded';
    this.clock = () => Date.now();
  }

  private nowSeconds(): number {
    return Math.floor(this.clock() / 1000);
  }

  /** The buyer pays: immediate methods end `paid`; a delayed method ends `unpaid` until succeedAsyncPayment. */
  completeSession(id: string, options: { paymentStatus?: 'paid' | 'unpaid' } = {}): DoubleSession {
    const session = this.mustSession(id);
    if (session.status !== 'open') throw new Error(`session ${id} is ${session.status}, not open`);
    const paymentStatus = options.paymentStatus ?? 'paid';
    const intent: DoublePaymentIntent = {
      id: randomId('pi'),
      amount: session.amount_total,
      amountRefunded: 0,
      currency: session.currency,
      chargeId: randomId('ch'),
      status: paymentStatus === 'paid' ? 'succeeded' : 'processing',
      metadata: { ...session.metadata },
    };
    this.paymentIntents.set(intent.id, intent);
    Object.assign(session, { status: 'complete', payment_status: paymentStatus, payment_intent: intent.id, url: null });
    return structuredClone(session);
  }

  succeedAsyncPayment(id: string): DoubleSession {
    const session = this.mustSession(id);
    const intent = this.paymentIntents.get(session.payment_intent ?? '');
    if (session.status !== 'complete' || session.payment_status !== 'unpaid' || !intent) throw new Error(`session ${id} awaits no async payment`);
    intent.status = 'succeeded';
    session.payment_status = 'paid';
    return structuredClone(session);
  }

  failAsyncPayment(id: string): DoubleSession {
    const session = this.mustSession(id);
    const intent = this.paymentIntents.get(session.payment_intent ?? '');
    if (session.status !== 'complete' || session.payment_status !== 'unpaid' || !intent) throw new Error(`session ${id} awaits no async payment`);
    intent.status = 'requires_payment_method';
    return structuredClone(session);
  }

  /** Stripe's own expiry at `expires_at` (or an expire call). */
  expireSession(id: string): DoubleSession {
    const session = this.mustSession(id);
    if (session.status !== 'open') throw new Error(`session ${id} is ${session.status}, not open`);
    Object.assign(session, { status: 'expired', url: null });
    return structuredClone(session);
  }

  getSession(id: string): DoubleSession {
    return structuredClone(this.mustSession(id));
  }

  /** The Charge a paid session made, as `charge.refunded` carries it (without the refunds list, as since 2022-11-15). */
  chargeFor(paymentIntentId: string) {
    const intent = this.paymentIntents.get(paymentIntentId);
    if (!intent) throw new Error(`no payment intent ${paymentIntentId}`);
    return {
      id: intent.chargeId,
      object: 'charge' as const,
      amount: intent.amount,
      amount_captured: intent.amount,
      amount_refunded: intent.amountRefunded,
      currency: intent.currency,
      paid: true,
      refunded: intent.amountRefunded === intent.amount,
      payment_intent: intent.id,
      metadata: { ...intent.metadata },
      status: 'succeeded' as const,
      created: this.nowSeconds(),
      livemode: false,
    };
  }

  /** Wraps an object in the Event envelope Stripe delivers [SN:resources/Events.d.ts]. */
  event(type: string, object: object, options: { id?: string; created?: number } = {}) {
    return {
      id: options.id ?? randomId('evt'),
      object: 'event' as const,
      api_version: STRIPE_API_VERSION,
      created: options.created ?? this.nowSeconds(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
  }

  private mustSession(id: string): DoubleSession {
    const session = this.sessions.get(id);
    if (!session) throw new Error(`no session ${id}`);
    return session;
  }

  // ---------------------------------------------------------------- HTTP

  private async serve(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://double');
    const record: RecordedRequest = { method, path: url.pathname, headers: req.headers, rawBody, params: {}, status: 0, replayed: false };
    this.requests.push(record);
    if (this.hanging) {
      this.hungResponses.add(res);
      res.on('close', () => this.hungResponses.delete(res));
      return;
    }
    const [status, body, extraHeaders] = this.answer(req, method, url, rawBody, record);
    record.status = status;
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (res.destroyed) return;
    res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': randomId('req'), 'Stripe-Version': STRIPE_API_VERSION, ...extraHeaders });
    res.end(JSON.stringify(body));
  }

  private answer(req: http.IncomingMessage, method: string, url: URL, rawBody: string, record: RecordedRequest): [number, unknown, Record<string, string>] {
    const auth = req.headers.authorization;
    if (!auth) {
      return [401, new StripeApiError(401, 'invalid_request_error', 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').').body(), {}];
    }
    const key = /^Bearer (.+)$/.exec(auth)?.[1];
    if (key !== this.secretKey) {
      const shown = key ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : '';
      return [401, new StripeApiError(401, 'invalid_request_error', `Invalid API Key provided: ${shown}`, 'api_key_invalid').body(), {}];
    }
    if (this.failures.remaining > 0) {
      this.failures.remaining--;
      return [this.failures.status, new StripeApiError(this.failures.status, 'api_error', 'Sorry, something went wrong. We\'ve already been notified of the problem.').body(), {}];
    }

    let params: FormObject;
    try {
      if (method === 'POST') {
        const type = req.headers['content-type'] ?? '';
        if (rawBody !== '' && !type.startsWith('application/x-www-form-urlencoded')) {
          throw invalid(`Invalid request: unsupported Content-Type ${type}. If error persists and you need assistance, please contact support@stripe.com.`);
        }
        params = parseStripeForm(rawBody);
      } else {
        params = parseStripeForm(url.search.slice(1));
      }
    } catch (error) {
      if (error instanceof StripeApiError) return [error.status, error.body(), {}];
      throw error;
    }
    record.params = params;

    const idempotencyKey = method === 'POST' ? req.headers['idempotency-key'] : undefined;
    const fingerprint = `${method} ${url.pathname} ${JSON.stringify(params)}`;
    if (typeof idempotencyKey === 'string') {
      if (idempotencyKey.length > 255) {
        return [400, invalid('Idempotency keys can be at most 255 characters long.', undefined, 'idempotency_key_too_long').body(), {}];
      }
      const saved = this.idempotency.get(idempotencyKey);
      if (saved) {
        if (saved.fingerprint !== fingerprint) {
          const error = new StripeApiError(
            400,
            'idempotency_error',
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          );
          return [400, error.body(), {}];
        }
        record.replayed = true;
        return [saved.status, structuredClone(saved.body), { 'Idempotent-Replayed': 'true', 'Original-Request': 'req_replayed' }];
      }
    }

    const [status, body] = this.route(method, url.pathname, params);
    if (typeof idempotencyKey === 'string') this.idempotency.set(idempotencyKey, { fingerprint, status, body: structuredClone(body) });
    return [status, body, typeof idempotencyKey === 'string' ? { 'Idempotency-Key': idempotencyKey } : {}];
  }

  private route(method: string, path: string, params: FormObject): [number, unknown] {
    for (const route of this.routes) {
      const match = route.pattern.exec(path);
      if (!match || route.method !== method) continue;
      try {
        return route.handle(match, params);
      } catch (error) {
        if (error instanceof StripeApiError) return [error.status, error.body()];
        throw error;
      }
    }
    return [
      404,
      new StripeApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`).body(),
    ];
  }

  // ---------------------------------------------------------------- checkout sessions

  private createSession(params: FormObject): DoubleSession {
    // Endive (2026-09-30) removed this parameter; the PaymentIntents endpoint answers with this code
    // [SD:changelog/endive/…]; the Checkout answer is UNCONFIRMED.
    if ('payment_method_types' in params) {
      throw invalid(
        'The `payment_method_types` parameter is no longer supported in this API version. Use `allowed_payment_method_types` instead.',
        'payment_method_types',
        'payment_method_types_no_longer_supported',
      );
    }
    expectKnown(params, SESSION_CREATE_PARAMS, []);
    const mode = expectEnum(params.mode, ['mode'], ['payment', 'setup', 'subscription']);
    if (!mode) throw missing('mode');
    if (mode !== 'payment') throw invalid(`The double only implements mode=payment`, 'mode');
    const uiMode = expectEnum(params.ui_mode, ['ui_mode'], ['hosted_page', 'embedded_page', 'elements', 'form']) ?? 'hosted_page';
    const successUrl = expectUrl(params.success_url, 'success_url');
    const cancelUrl = expectUrl(params.cancel_url, 'cancel_url');
    if ((uiMode === 'embedded_page' || uiMode === 'elements') && (successUrl || cancelUrl)) {
      throw invalid(`success_url and cancel_url are not allowed when ui_mode is ${uiMode}.`, successUrl ? 'success_url' : 'cancel_url');
    }

    const lineItems = expectArray(params.line_items, ['line_items']);
    if (lineItems.length === 0) throw missing('line_items');
    if (lineItems.length > 100) throw invalid('You may only specify up to 100 line items.', 'line_items');
    let currency: string | undefined;
    let subtotal = 0;
    lineItems.forEach((raw, index) => {
      const path = ['line_items', index];
      const item = expectObject(raw, path);
      expectKnown(item, ['price', 'price_data', 'quantity', 'adjustable_quantity', 'tax_rates'], path);
      if (item.price !== undefined) throw invalid('The double only implements price_data line items.', paramName([...path, 'price']));
      if (item.price_data === undefined) throw invalid('You must specify either `price` or `price_data` in each line item.', paramName(path), 'parameter_missing');
      const priceData = expectObject(item.price_data, [...path, 'price_data']);
      expectKnown(priceData, ['currency', 'product', 'product_data', 'unit_amount', 'unit_amount_decimal', 'tax_behavior'], [...path, 'price_data']);
      const itemCurrency = expectString(priceData.currency, [...path, 'price_data', 'currency'])?.toLowerCase();
      if (!itemCurrency) throw missing(paramName([...path, 'price_data', 'currency']));
      if (!CURRENCIES.includes(itemCurrency)) throw invalid(`Invalid currency: ${itemCurrency}.`, paramName([...path, 'price_data', 'currency']));
      if (currency && itemCurrency !== currency) throw invalid('All line items must have the same currency.', paramName([...path, 'price_data', 'currency']));
      currency = itemCurrency;
      if ((priceData.product === undefined) === (priceData.product_data === undefined)) {
        throw invalid('You must specify exactly one of `product` or `product_data`.', paramName([...path, 'price_data']));
      }
      if (priceData.product_data !== undefined) {
        const productData = expectObject(priceData.product_data, [...path, 'price_data', 'product_data']);
        expectKnown(productData, ['name', 'description', 'images', 'metadata', 'tax_code', 'unit_label'], [...path, 'price_data', 'product_data']);
        const name = expectString(productData.name, [...path, 'price_data', 'product_data', 'name']);
        if (!name) throw missing(paramName([...path, 'price_data', 'product_data', 'name']));
      }
      const unitAmount = expectInteger(priceData.unit_amount, [...path, 'price_data', 'unit_amount'], 0);
      if (unitAmount === undefined) throw missing(paramName([...path, 'price_data', 'unit_amount']));
      const quantity = expectInteger(item.quantity, [...path, 'quantity'], 1);
      if (quantity === undefined) throw missing(paramName([...path, 'quantity']));
      subtotal += unitAmount * quantity;
    });
    if (subtotal <= 0) throw invalid('The Checkout Session\'s total amount due must be greater than 0.', 'line_items', 'amount_too_small');
    if (subtotal > MAX_AMOUNT) throw invalid(`The Checkout Session's total amount due must be no more than ${MAX_AMOUNT}.`, 'line_items', 'amount_too_large');

    const allowed = expectArray(params.allowed_payment_method_types, ['allowed_payment_method_types']).map(
      (v, i) => expectEnum(v, ['allowed_payment_method_types', i], PAYMENT_METHODS)!,
    );
    if (params.allowed_payment_method_types !== undefined && allowed.length === 0) {
      throw invalid('allowed_payment_method_types cannot be empty.', 'allowed_payment_method_types', 'parameter_invalid_empty');
    }
    for (const method of allowed) {
      const currencies = METHOD_CURRENCIES[method];
      if (currencies && !currencies.includes(currency!)) {
        throw invalid(`The currency provided (${currency}) is invalid for one or more payment method types (${method}).`, 'allowed_payment_method_types');
      }
    }
    const options = expectObject(params.payment_method_options, ['payment_method_options']);
    expectKnown(options, PAYMENT_METHODS, ['payment_method_options']);
    const paymentMethodOptions: Record<string, Record<string, string>> = {};
    for (const [method, raw] of Object.entries(options)) {
      const path = ['payment_method_options', method];
      const option = expectObject(raw, path);
      const allowedKeys = method === 'wechat_pay' ? ['client', 'app_id', 'setup_future_usage'] : ['setup_future_usage', 'request_three_d_secure'];
      expectKnown(option, allowedKeys, path);
      if (method !== 'card' && option.setup_future_usage !== undefined) expectEnum(option.setup_future_usage, [...path, 'setup_future_usage'], ['none']);
      if (method === 'wechat_pay') {
        const client = expectEnum(option.client, [...path, 'client'], ['web', 'ios', 'android']);
        if (!client) throw missing(paramName([...path, 'client']));
        if (client !== 'web' && !option.app_id) throw missing(paramName([...path, 'app_id']));
      }
      paymentMethodOptions[method] = Object.fromEntries(Object.entries(option).map(([k, v]) => [k, String(v)]));
    }
    if (allowed.includes('wechat_pay') && !paymentMethodOptions.wechat_pay) {
      throw missing('payment_method_options[wechat_pay][client]');
    }

    const created = this.nowSeconds();
    const expiresAt = expectInteger(params.expires_at, ['expires_at'], 0) ?? created + 24 * 60 * 60;
    if (expiresAt < created + 30 * 60) throw invalid('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', 'expires_at');
    if (expiresAt > created + 24 * 60 * 60) throw invalid('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', 'expires_at');

    const metadata = expectMetadata(params.metadata, ['metadata']);
    const paymentIntentData = expectObject(params.payment_intent_data, ['payment_intent_data']);
    expectKnown(paymentIntentData, ['metadata', 'description', 'statement_descriptor', 'statement_descriptor_suffix', 'receipt_email'], ['payment_intent_data']);
    expectMetadata(paymentIntentData.metadata, ['payment_intent_data', 'metadata']);
    const locale = expectEnum(params.locale, ['locale'], LOCALES) ?? null;

    const id = randomId('cs_test', 58);
    const session: DoubleSession = {
      id,
      object: 'checkout.session',
      allowed_payment_method_types: params.allowed_payment_method_types === undefined ? null : allowed,
      amount_subtotal: subtotal,
      amount_total: subtotal,
      cancel_url: cancelUrl ?? null,
      client_reference_id: expectString(params.client_reference_id, ['client_reference_id']) ?? null,
      created,
      currency: currency!,
      customer_email: expectString(params.customer_email, ['customer_email']) ?? null,
      expires_at: expiresAt,
      livemode: false,
      locale,
      metadata,
      mode: 'payment',
      payment_intent: null,
      payment_method_options: paymentMethodOptions,
      payment_method_types: allowed.length > 0 ? allowed : ['card'],
      payment_status: 'unpaid',
      status: 'open',
      success_url: successUrl ?? null,
      ui_mode: uiMode,
      url: uiMode === 'hosted_page' ? `https://checkout.stripe.com/c/pay/${id}#double` : null,
    };
    this.sessions.set(id, session);
    return structuredClone(session);
  }

  private retrieveSession(id: string): DoubleSession {
    const session = this.sessions.get(id);
    if (!session) throw noSuch('checkout.session', id, 'session');
    return structuredClone(session);
  }

  private expireSessionRequest(id: string, params: FormObject): DoubleSession {
    expectKnown(params, ['expand'], []);
    const session = this.sessions.get(id);
    if (!session) throw noSuch('checkout.session', id, 'session');
    // UNCONFIRMED wording and code; the app only relies on it being a 400.
    if (session.status !== 'open') throw invalid(`Only Checkout Sessions with a status in ["open"] can be expired.`, undefined, 'checkout_session_not_open');
    return this.expireSession(id);
  }

  // ---------------------------------------------------------------- refunds

  private createRefund(params: FormObject): DoubleRefund {
    expectKnown(params, ['payment_intent', 'charge', 'amount', 'reason', 'metadata', 'instructions_email', 'expand'], []);
    if (params.charge !== undefined) throw invalid('The double only implements refunds by payment_intent.', 'charge');
    const paymentIntentId = expectString(params.payment_intent, ['payment_intent']);
    if (!paymentIntentId) throw invalid('One of the following params should be provided for this request: payment_intent or charge.', 'payment_intent', 'parameter_missing');
    const intent = this.paymentIntents.get(paymentIntentId);
    if (!intent) throw noSuch('payment_intent', paymentIntentId, 'payment_intent', 400);
    // UNCONFIRMED code for refunding an unpaid PaymentIntent.
    if (intent.status !== 'succeeded') throw invalid(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, 'payment_intent');
    const reason = expectEnum(params.reason, ['reason'], ['duplicate', 'fraudulent', 'requested_by_customer']) ?? null;
    const remaining = intent.amount - intent.amountRefunded;
    const amount = expectInteger(params.amount, ['amount'], 1) ?? remaining;
    // `charge_already_refunded` is a documented code; the code for "more than remains" is UNCONFIRMED.
    if (remaining === 0) throw invalid(`Charge ${intent.chargeId} has already been refunded.`, undefined, 'charge_already_refunded');
    if (amount > remaining) {
      throw invalid(`Refund amount (¥${(amount / 100).toFixed(2)}) is greater than unrefunded amount on charge (¥${(remaining / 100).toFixed(2)})`, 'amount', 'amount_too_large');
    }
    intent.amountRefunded += amount;
    const refund: DoubleRefund = {
      id: randomId('re'),
      object: 'refund',
      amount,
      charge: intent.chargeId,
      created: this.nowSeconds(),
      currency: intent.currency,
      failure_reason: null,
      metadata: expectMetadata(params.metadata, ['metadata']),
      payment_intent: intent.id,
      reason,
      status: this.nextRefundStatus,
    };
    this.refunds.set(refund.id, refund);
    return structuredClone(refund);
  }

  private retrieveRefund(id: string): DoubleRefund {
    const refund = this.refunds.get(id);
    if (!refund) throw noSuch('refund', id, 'id');
    return structuredClone(refund);
  }

  /** Settles a pending refund as Stripe would later (then send `refund.updated` / `refund.failed`). */
  settleRefund(id: string, status: 'succeeded' | 'failed'): DoubleRefund {
    const refund = this.refunds.get(id);
    if (!refund) throw new Error(`no refund ${id}`);
    refund.status = status;
    if (status === 'failed') {
      refund.failure_reason = 'unknown';
      const intent = this.paymentIntents.get(refund.payment_intent)!;
      intent.amountRefunded -= refund.amount;
    }
    return structuredClone(refund);
  }
}

function randomId(prefix: string, length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.randomBytes(length);
  return `${prefix}_${[...bytes].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** A webhook delivery as Stripe sends it, signed with the real library. */
export function signWebhook(event: object, secret: string, timestampSeconds: number): { body: string; signature: string } {
  const body = JSON.stringify(event, null, 2);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: timestampSeconds });
  return { body, signature };
}

/**
 * Guests buying over HTTP from a running server: a cart of one variant, the checkout form as the
 * page renders it (its idempotency key and total), and the submit. Each buyer has its own client
 * address (the servers trust their loopback proxy's X-Forwarded-For), so rate limits stay apart.
 */
export interface Buyer {
  base: string;
  ip: string;
  cookie: string;
  form: Record<string, string>;
}

export interface Outcome {
  status: number;
  location: string | null;
  body: string;
  /** The request got no answer within the time allowed (a hang). */
  timedOut: boolean;
  /** The connection failed (the server is gone). */
  networkError: string | null;
}

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

function hiddenValue(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html) ?? new RegExp(`value="([^"]*)" name="${name}"`).exec(html);
  if (!m) throw new Error(`no ${name} in the checkout page`);
  return m[1]!;
}

export function buyerIp(i: number): string {
  return `10.${30 + Math.floor(i / 62500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;
}

/** Sends a request and records what came back, or that nothing did within `timeoutMs`. */
export async function send(url: string, init: RequestInit = {}, timeoutMs = 20_000): Promise<Outcome> {
  try {
    const res = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(timeoutMs) });
    const body = res.status >= 300 && res.status < 400 ? '' : await res.text();
    return { status: res.status, location: res.headers.get('location'), body, timedOut: false, networkError: null };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') return { status: 0, location: null, body: '', timedOut: true, networkError: null };
    return { status: 0, location: null, body: '', timedOut: false, networkError: String((error as Error).cause ?? error) };
  }
}

/** Fills a new guest cart (a variant id, or several lines) and reads the checkout form. */
export async function prepareBuyer(base: string, i: number, lines: number | { variantId: number; quantity: number }[], quantity = 1): Promise<Buyer> {
  const ip = buyerIp(i);
  let cookie: string | undefined;
  for (const line of typeof lines === 'number' ? [{ variantId: lines, quantity }] : lines) {
    const added = await fetch(`${base}/cart`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...FORM, 'X-Forwarded-For': ip, ...(cookie ? { Cookie: cookie } : {}) },
      body: new URLSearchParams({ intent: 'add', variantId: String(line.variantId), quantity: String(line.quantity) }),
    });
    if (added.status !== 302) throw new Error(`add to cart answered ${added.status}: ${(await added.text()).slice(0, 300)}`);
    cookie ??= added.headers.get('set-cookie')!.split(';')[0]!;
  }
  if (!cookie) throw new Error('no cart lines');
  const page = await fetch(`${base}/checkout`, { headers: { Cookie: cookie, 'X-Forwarded-For': ip } });
  if (page.status !== 200) throw new Error(`checkout page answered ${page.status}`);
  const html = await page.text();
  return {
    base,
    ip,
    cookie,
    form: {
      intent: 'place',
      idempotencyKey: hiddenValue(html, 'idempotencyKey'),
      expectedTotalFen: hiddenValue(html, 'expectedTotalFen'),
      paymentMethod: 'bank_transfer',
      addressId: 'new',
      recipient: `买家${i}`,
      mobile: `139${String(i).padStart(8, '0')}`,
      province: '420000',
      regionCode: '420527',
      detail: '茅坪镇滨湖大道 1 号',
    },
  };
}

export function submitCheckout(buyer: Buyer, timeoutMs?: number): Promise<Outcome> {
  return send(
    `${buyer.base}/checkout`,
    { method: 'POST', headers: { ...FORM, Cookie: buyer.cookie, 'X-Forwarded-For': buyer.ip }, body: new URLSearchParams(buyer.form) },
    timeoutMs,
  );
}

/** Polls `url` until it answers 200, or throws after `timeoutMs`. */
export async function waitFor200(url: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let last: Outcome | null = null;
  while (Date.now() - started < timeoutMs) {
    last = await send(url, {}, 5_000);
    if (last.status === 200) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not come back within ${timeoutMs} ms (last: ${last?.status} ${last?.body.slice(0, 200)})`);
}

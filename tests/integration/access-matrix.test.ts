/**
 * Who may use which route: every route folder in app/routes against the matrix in
 * tests/fixtures/access-matrix.ts, calling the real loaders and actions with real session
 * cookies on a demo-seeded database. A denied POST must also leave its tables untouched.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { associations, cooperatives, geographicalIndications, giAuthorizations, products, reportAttachments, users } from '~/db/schema';
import { createInvitation } from '~/models/cooperatives.server';
import { fileReport } from '~/models/reports.server';
import { loadUserAccess } from '~/models/user.server';
import type { AppContext } from '~/utils/context.server';
import { queryRows } from '~/utils/db.server';
import {
  ACCESS_MATRIX,
  fillPattern,
  listAppRoutes,
  ROLE_EMAILS,
  ROLE_LABELS,
  ROLES,
  type Expectation,
  type MethodSpec,
  type AppRoute,
  type Role,
  type World,
} from '../fixtures/access-matrix';
import { checkout, setStock, userCartWith, variantOf } from '../fixtures/checkout';
import { PORTAL_NOW, seedPortal, signIn } from '../fixtures/coop-portal';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

const ROUTES_DIR = path.resolve(__dirname, '../../app/routes');
const APP_ROUTES = listAppRoutes(ROUTES_DIR);
const ORIGIN = 'http://localhost';

type Handler = (args: { request: Request; params: Record<string, string>; context: { app: AppContext } }) => unknown;
interface RouteModule {
  loader?: Handler;
  action?: Handler;
}

describe('the access matrix', () => {
  it('has an entry for every route folder in app/routes', () => {
    const missing = APP_ROUTES.map((r) => r.id).filter((id) => !(id in ACCESS_MATRIX));
    expect(missing, 'routes without an access-matrix entry').toEqual([]);
  });

  it('names no route that no longer exists', () => {
    const known = new Set(APP_ROUTES.map((r) => r.id));
    expect(Object.keys(ACCESS_MATRIX).filter((id) => !known.has(id))).toEqual([]);
  });

  it.each(APP_ROUTES)('covers exactly the loader and action that $id exports', async ({ id, file }) => {
    const mod = (await import(file)) as RouteModule;
    const entry = ACCESS_MATRIX[id];
    expect(entry, `no matrix entry for ${id}`).toBeDefined();
    expect({ loader: typeof mod.loader === 'function', action: typeof mod.action === 'function' }).toEqual({
      loader: Boolean(entry?.get),
      action: Boolean(entry?.post),
    });
  });
});

/** What a loader or action answered, reduced to a matrix cell. */
interface Outcome {
  status: number;
  location: string | null;
}

async function invoke(app: AppContext, handler: Handler, request: Request, params: Record<string, string>): Promise<Outcome> {
  let result: unknown;
  try {
    result = await handler({ request, params, context: { app } });
  } catch (error) {
    if (!(error instanceof Response)) throw error;
    result = error;
  }
  if (result instanceof Response) return { status: result.status, location: result.headers.get('Location') };
  if (result && typeof result === 'object' && 'init' in result && 'data' in result) {
    const init = (result as { init: ResponseInit | null }).init;
    const headers = new Headers(init?.headers);
    return { status: init?.status ?? 200, location: headers.get('Location') };
  }
  return { status: 200, location: null };
}

function classify(outcome: Outcome, method: 'GET' | 'POST'): Expectation | `status ${number}` {
  const { status, location } = outcome;
  if (status >= 300 && status < 400 && location && /^(?:https?:\/\/[^/]+)?\/login(?:[?#]|$)/.test(location)) return 'login';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  if (status === 405) return 'methodNotAllowed';
  if (status < 400) return 'allowed';
  // The form was refused after access passed (a POST without the fields a real one carries).
  if (method === 'POST' && [400, 409, 410, 422].includes(status)) return status === 400 ? 'badRequest' : 'allowed';
  return `status ${status}`;
}

function matches(expected: Expectation, got: string, method: 'GET' | 'POST'): boolean {
  if (expected === got) return true;
  // For a role that may post, a 400 means the empty form was refused after access passed.
  return expected === 'allowed' && got === 'badRequest' && method === 'POST';
}

let ipCounter = 0;
function nextIp() {
  ipCounter += 1;
  return `203.0.${Math.floor(ipCounter / 250) % 250}.${(ipCounter % 250) + 1}`;
}

const DENIED: Expectation[] = ['login', 'forbidden', 'notFound', 'badRequest'];

describeEachDriver('route access matrix', (t) => {
  let app: AppContext;
  let world: World;
  const userIds = {} as Record<Exclude<Role, 'anonymous'>, string>;

  async function fingerprint(tables: readonly string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const table of tables) {
      const [row] = await queryRows<{ h: string }>(
        app.db,
        sql.raw(`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from "${table}" t`),
      );
      out[table] = row!.h;
    }
    return out;
  }

  async function check(route: AppRoute, method: 'GET' | 'POST', spec: MethodSpec, role: Role, expected: Expectation, params: Record<string, string>, query: string) {
    const mod = (await import(route.file)) as RouteModule;
    const handler = method === 'GET' ? mod.loader : mod.action;
    expect(handler, `${route.id} has no ${method === 'GET' ? 'loader' : 'action'}`).toBeTypeOf('function');
    const url = `${ORIGIN}${fillPattern(route.pattern, params)}${query}`;
    const headers: Record<string, string> = { 'X-Forwarded-For': nextIp() };
    if (role !== 'anonymous') headers.Cookie = await signIn(app, userIds[role]);
    let request: Request;
    if (method === 'GET') {
      request = new Request(url, { headers });
    } else {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers.Origin = ORIGIN;
      const fields = DENIED.includes(expected) ? (spec.form?.(world) ?? {}) : {};
      request = new Request(url, { method: 'POST', headers, body: new URLSearchParams(fields) });
    }
    const guarded = method === 'POST' && DENIED.includes(expected) && spec.tables?.length ? spec.tables : null;
    const before = guarded ? await fingerprint(guarded) : null;

    const outcome = await invoke(app, handler!, request, params);
    const got = classify(outcome, method);
    expect(matches(expected, got, method), `${method} ${url} as ${role}: expected ${expected}, got ${got} (${outcome.status}${outcome.location ? ` → ${outcome.location}` : ''})`).toBe(true);
    if (guarded) expect(await fingerprint(guarded), 'a refused POST changed data').toEqual(before);
  }

  async function privateFile(folder: string, ext: 'pdf' | 'webp'): Promise<string> {
    const relative = `${folder}/${crypto.randomUUID()}.${ext}`;
    const full = path.join(app.env.UPLOAD_DIR, 'private', relative);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, ext === 'pdf' ? '%PDF-1.4\n%%EOF\n' : 'RIFF\0\0\0\0WEBP');
    return relative;
  }

  beforeAll(async () => {
    // Stripe's webhook answers only when configured: configured, it must refuse unsigned calls.
    app = createTestApp(t.database, { STRIPE_WEBHOOK_SECRET: 'whsec_access_matrix_test' }, () => PORTAL_NOW);
    const seeded = await seedPortal(app.db);
    for (const [role, email] of Object.entries(ROLE_EMAILS)) {
      const [user] = await app.db.select({ id: users.id }).from(users).where(eq(users.email, email));
      if (!user) throw new Error(`no demo user ${email}`);
      userIds[role as Exclude<Role, 'anonymous'>] = user.id;
    }
    const zigui = await seeded.coop('zigui-chengxiang');
    const productId = await seeded.productId('zigui-qicheng-5kg-gift-box');
    const giId = await seeded.giId('zigui-qicheng');
    const [association] = await app.db.select({ id: associations.id }).from(associations).where(eq(associations.slug, 'hubei-gi-association'));
    const [pending] = await app.db.select({ id: cooperatives.id }).from(cooperatives).where(eq(cooperatives.slug, 'honghu-ouxiang'));
    const [authorization] = await app.db
      .select({ id: giAuthorizations.id })
      .from(giAuthorizations)
      .innerJoin(geographicalIndications, eq(geographicalIndications.id, giAuthorizations.giId))
      .where(and(eq(giAuthorizations.cooperativeId, pending!.id), eq(geographicalIndications.slug, 'honghu-lianou')));
    await app.db
      .update(giAuthorizations)
      .set({ evidencePath: await privateFile('gi-evidence', 'pdf') })
      .where(eq(giAuthorizations.id, authorization!.id));

    const variant = await variantOf(app.db, 'zigui-qicheng-5kg-gift-box');
    await setStock(app.db, variant.id, 50);
    const order = await checkout(app, await userCartWith(app, userIds.customer, [{ variantId: variant.id, quantity: 1 }]));
    if (!order.ok) throw new Error('could not place the test order');

    const [cooperativeOrder] = await queryRows<{ id: string | number }>(
      app.db,
      sql`select id from cooperative_orders where order_id = ${order.orderId} and cooperative_id = ${zigui.id}`,
    );
    const reporter = { id: userIds.member, email: ROLE_EMAILS.member, ...(await loadUserAccess(app.db, userIds.member)) };
    const report = await fileReport(app.db, {
      actor: reporter,
      input: {
        kind: 'logistics_blocked',
        cause: 'cold_chain_shortage',
        regionCode: '420527',
        placeDetail: '秭归县茅坪镇',
        summary: '脐橙运不出去',
        description: '',
        quantityAtRisk: 2000,
        quantityUnit: 'kg',
        daysUntilLoss: 5,
        deadline: null,
        severity: 'high',
        contactName: '向家春',
        contactPhone: '0717-2800000',
        filedForName: null,
        cooperativeIds: [zigui.id],
        productIds: [productId],
      },
      now: PORTAL_NOW,
      ackTargetHours: 24,
      baseUrl: ORIGIN,
    });
    if (!report.ok) throw new Error(`could not file the test report: ${report.error}`);
    const [attachment] = await app.db
      .insert(reportAttachments)
      .values({ reportId: report.id, path: await privateFile('report-attachments', 'webp'), contentType: 'image/webp', size: 12 })
      .returning({ id: reportAttachments.id });

    const invitation = await createInvitation(app.db, {
      cooperativeId: zigui.id,
      contact: { kind: 'email', value: 'invitee@example.com' },
      invitedBy: zigui.ownerId,
      now: PORTAL_NOW,
      baseUrl: ORIGIN,
      locale: 'zh-CN',
    });
    if (!invitation.ok) throw new Error('could not invite');

    const [product] = await app.db.select({ slug: products.slug }).from(products).where(eq(products.id, productId));
    world = {
      coopSlug: zigui.slug,
      otherCoopSlug: 'qianjiang-xiadao',
      productId,
      productSlug: product!.slug,
      giSlug: 'zigui-qicheng',
      giId,
      associationId: association!.id,
      pendingCooperativeId: pending!.id,
      pendingAuthorizationId: authorization!.id,
      orderId: order.orderId,
      cooperativeOrderId: String(cooperativeOrder!.id),
      reportId: report.id,
      attachmentId: attachment!.id,
      invitationToken: invitation.link.split('/').filter(Boolean).at(-1)!,
    };
  }, 60_000);

  for (const route of APP_ROUTES) {
    const entry = ACCESS_MATRIX[route.id];
    if (!entry) continue;
    for (const method of ['GET', 'POST'] as const) {
      const spec: MethodSpec | undefined = method === 'GET' ? entry.get : entry.post;
      if (!spec) continue;
      for (const role of ROLES) {
        const expected = spec.cells[role];
        it(`${method} ${route.pattern} as ${ROLE_LABELS[role]} → ${expected}`, () =>
          check(route, method, spec, role, expected, entry.params?.(world) ?? {}, entry.query ?? ''));
      }
      // Another cooperative's product or order under one's own portal URL: as unknown as a made-up id.
      if (route.pattern.includes(':coop') && route.pattern.includes(':id')) {
        it(`${method} ${route.pattern} as member of another cooperative, with its own :coop and this cooperative's :id → notFound`, () =>
          check(route, method, spec, 'memberOther', 'notFound', { ...entry.params?.(world), coop: world.otherCoopSlug }, ''));
      }
    }
  }
});

import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  associationGis,
  associationMembers,
  associationRegions,
  associations,
  auditEvents,
  coordinatorRegions,
  geographicalIndications,
  giProtectedAreas,
  userRoles,
  users,
} from '~/db/schema';
import { seedDemoData } from '~/models/demo-seed.server';
import { createUser } from '~/models/user.server';
import * as adminAssociation from '~/routes/admin.associations.$id/route';
import * as adminAssociations from '~/routes/admin.associations._index/route';
import * as adminAudit from '~/routes/admin.audit/route';
import * as adminCooperatives from '~/routes/admin.cooperatives/route';
import * as adminCoordinators from '~/routes/admin.coordinators/route';
import * as adminGi from '~/routes/admin.gis.$id/route';
import * as adminGis from '~/routes/admin.gis._index/route';
import * as adminIndex from '~/routes/admin._index/route';
import * as adminUsers from '~/routes/admin.users/route';
import * as adminLayout from '~/routes/admin/route';
import type { AppContext } from '~/utils/context.server';
import { insertSession, serializeSessionCookie } from '~/utils/session.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

type Handler = (args: { request: Request; params: Record<string, string>; context: { app: AppContext } }) => unknown;
type Payload = { error?: Record<string, string[] | null> };

const DEMO = 'demo.dibiao.example';

async function call(app: AppContext, handler: unknown, request: Request, params: Record<string, string> = {}) {
  try {
    return await (handler as Handler)({ request, params, context: { app } });
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
}

const get = (url: string, cookie?: string) => new Request(`http://localhost${url}`, { headers: cookie ? { Cookie: cookie } : {} });
const post = (url: string, fields: Record<string, string | string[]>, cookie?: string) => {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
  return new Request(`http://localhost${url}`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
  });
};
const statusOf = (result: unknown) => (result instanceof Response ? result.status : ((result as { init?: ResponseInit | null }).init?.status ?? 200));
function payloadOf<T = Payload>(result: unknown): T {
  expect(result).not.toBeInstanceOf(Response);
  const value = result as { type?: string; data?: unknown };
  return (value.type === 'DataWithResponseInit' ? value.data : result) as T;
}
function locationOf(result: unknown): string {
  expect(result).toBeInstanceOf(Response);
  expect((result as Response).status).toBe(302);
  return (result as Response).headers.get('Location')!;
}

describeEachDriver('admin console', (t) => {
  const clock = new Date('2020-03-01T01:00:00Z');
  let app: AppContext;
  let admin: { userId: string; cookie: string };

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => clock);
    await seedDemoData(app.db, clock);
    admin = await signIn(`admin@${DEMO}`);
  });

  async function cookieFor(userId: string) {
    const sessionId = await insertSession(app.db, { userId, now: clock });
    return (await serializeSessionCookie(get('/'), app.sessionSecret, sessionId)).split(';')[0]!;
  }
  async function signIn(email: string) {
    const [user] = await app.db.select().from(users).where(eq(users.email, email));
    return { userId: user!.id, cookie: await cookieFor(user!.id) };
  }
  let counter = 0;
  async function newUser(roles: ('coordinator' | 'admin')[] = []) {
    counter += 1;
    const user = await createUser(app.db, {
      displayName: `测试用户${counter}`,
      email: `admin-test-${counter}@example.com`,
      password: 'unused-password-2020',
      privacyConsentAt: clock,
      roles,
      now: clock,
    });
    return { userId: user.id, email: user.email!, cookie: await cookieFor(user.id) };
  }
  const rolesOf = async (userId: string) => (await app.db.select().from(userRoles).where(eq(userRoles.userId, userId))).map((r) => r.role).sort();
  const auditCount = async () => Number((await app.db.select({ n: sql<number>`count(*)::int` }).from(auditEvents))[0]!.n);

  describe('access', () => {
    it('answers 403 to every non-admin on every /admin page and form, and sends visitors to log in', async () => {
      const [association] = await app.db.select().from(associations).limit(1);
      const [gi] = await app.db.select().from(geographicalIndications).limit(1);
      const pages: { url: string; module: { loader?: unknown; action?: unknown }; params?: Record<string, string> }[] = [
        { url: '/admin', module: adminLayout },
        { url: '/admin', module: adminIndex },
        { url: '/admin/users', module: adminUsers },
        { url: '/admin/cooperatives', module: adminCooperatives },
        { url: '/admin/associations', module: adminAssociations },
        { url: `/admin/associations/${association!.id}`, module: adminAssociation, params: { id: String(association!.id) } },
        { url: '/admin/gis', module: adminGis },
        { url: '/admin/gis/new', module: adminGi, params: { id: 'new' } },
        { url: `/admin/gis/${gi!.id}`, module: adminGi, params: { id: String(gi!.id) } },
        { url: '/admin/coordinators', module: adminCoordinators },
        { url: '/admin/audit', module: adminAudit },
      ];
      const outsiders = await Promise.all(
        [`customer@${DEMO}`, `coordinator-hubei@${DEMO}`, `association-hubei@${DEMO}`, `coop-zigui-chengxiang@${DEMO}`].map(signIn),
      );
      const target = await newUser();
      const before = await auditCount();
      for (const page of pages) {
        for (const outsider of outsiders) {
          expect(statusOf(await call(app, page.module.loader, get(page.url, outsider.cookie), page.params)), page.url).toBe(403);
          if (page.module.action) {
            const form = { intent: 'grant', userId: target.userId, role: 'admin', name: '协会', regionCode: '420000', sourceNote: 'x' };
            expect(statusOf(await call(app, page.module.action, post(page.url, form, outsider.cookie), page.params)), page.url).toBe(403);
          }
        }
        expect(locationOf(await call(app, page.module.loader, get(page.url), page.params))).toMatch(/^\/login\?redirectTo=/);
      }
      expect(await auditCount()).toBe(before);
      expect(await rolesOf(target.userId)).toEqual(['customer']);
    });

    it('opens every /admin page to an admin', async () => {
      for (const [url, module] of [
        ['/admin', adminIndex],
        ['/admin/users?q=demo', adminUsers],
        ['/admin/cooperatives?status=pending', adminCooperatives],
        ['/admin/associations', adminAssociations],
        ['/admin/gis', adminGis],
        ['/admin/coordinators', adminCoordinators],
        ['/admin/audit', adminAudit],
      ] as const) {
        expect(statusOf(await call(app, module.loader, get(url, admin.cookie))), url).toBe(200);
      }
      const pending = payloadOf<{ cooperatives: { slug: string }[] }>(await call(app, adminCooperatives.loader, get('/admin/cooperatives?status=pending', admin.cookie)));
      expect(pending.cooperatives.map((c) => c.slug)).toEqual(['honghu-ouxiang']);
    });
  });

  describe('users and roles', () => {
    const change = (fields: Record<string, string>, cookie = admin.cookie) => call(app, adminUsers.action, post('/admin/users', fields, cookie));

    it('grants and revokes coordinator and admin, each change audited', async () => {
      const person = await newUser();
      expect(locationOf(await change({ intent: 'grant', userId: person.userId, role: 'coordinator' }))).toBe('/admin/users?changed=1');
      expect(await change({ intent: 'grant', userId: person.userId, role: 'admin' })).toBeInstanceOf(Response);
      expect(await rolesOf(person.userId)).toEqual(['admin', 'coordinator', 'customer']);
      await change({ intent: 'revoke', userId: person.userId, role: 'admin' });
      expect(await rolesOf(person.userId)).toEqual(['coordinator', 'customer']);
      const audit = await app.db.select().from(auditEvents).where(eq(auditEvents.entityId, person.userId)).orderBy(auditEvents.id);
      expect(audit.map((a) => [a.action, (a.data as { role: string }).role, a.actorUserId])).toEqual([
        ['user.role_granted', 'coordinator', admin.userId],
        ['user.role_granted', 'admin', admin.userId],
        ['user.role_revoked', 'admin', admin.userId],
      ]);
    });

    it('never lets an admin remove their own admin role, but another admin may', async () => {
      const second = await newUser(['admin']);
      const refused = await change({ intent: 'revoke', userId: second.userId, role: 'admin' }, second.cookie);
      expect(statusOf(refused)).toBe(403);
      expect(payloadOf(refused).error?.['']).toEqual(['admin:errors.cannotRemoveOwnAdmin']);
      expect(await rolesOf(second.userId)).toContain('admin');
      expect(statusOf(await change({ intent: 'revoke', userId: second.userId, role: 'admin' }))).toBe(302);
      expect(await rolesOf(second.userId)).not.toContain('admin');
    });

    it('refuses the customer role and unknown people', async () => {
      const person = await newUser();
      expect(statusOf(await change({ intent: 'revoke', userId: person.userId, role: 'customer' }))).toBe(400);
      expect(statusOf(await change({ intent: 'grant', userId: '00000000-0000-4000-8000-000000000000', role: 'coordinator' }))).toBe(404);
    });

    it('ends the regions a coordinator covered when the role is revoked', async () => {
      const person = await newUser(['coordinator']);
      await app.db.insert(coordinatorRegions).values({ userId: person.userId, regionCode: '421000', isLead: false });
      await change({ intent: 'revoke', userId: person.userId, role: 'coordinator' });
      expect(await app.db.select().from(coordinatorRegions).where(eq(coordinatorRegions.userId, person.userId))).toEqual([]);
    });
  });

  describe('coordinators and regions', () => {
    const post$ = (fields: Record<string, string>) => call(app, adminCoordinators.action, post('/admin/coordinators', fields, admin.cookie));
    const leadsOf = async (regionCode: string) =>
      (await app.db.select().from(coordinatorRegions).where(and(eq(coordinatorRegions.regionCode, regionCode), eq(coordinatorRegions.isLead, true)))).map((r) => r.userId);

    it('keeps exactly one lead per region: naming a new lead unsets the old one, audited', async () => {
      const first = await newUser(['coordinator']);
      const second = await newUser(['coordinator']);
      expect(locationOf(await post$({ intent: 'assign', userId: first.userId, regionCode: '420500', lead: 'on' }))).toBe('/admin/coordinators?saved=1');
      expect(await leadsOf('420500')).toEqual([first.userId]);
      await post$({ intent: 'assign', userId: second.userId, regionCode: '420500', lead: 'on' });
      expect(await leadsOf('420500')).toEqual([second.userId]);
      const covering = await app.db.select().from(coordinatorRegions).where(eq(coordinatorRegions.regionCode, '420500'));
      expect(covering.map((r) => r.userId).sort()).toEqual([first.userId, second.userId].sort());
      await post$({ intent: 'set_lead', userId: first.userId, regionCode: '420500' });
      expect(await leadsOf('420500')).toEqual([first.userId]);
      const [audit] = await app.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, 'coordinator.lead_set'), eq(auditEvents.entityId, first.userId)));
      expect(audit?.data).toMatchObject({ regionCode: '420500', previousLeadUserId: second.userId });
      // The demo lead of 湖北 is untouched by leads of the province's cities.
      expect(await leadsOf('420000')).toHaveLength(1);
    });

    it('refuses a person without the coordinator role and an unknown region, and removes a region', async () => {
      const customer = await newUser();
      const notCoordinator = await post$({ intent: 'assign', userId: customer.userId, regionCode: '420500' });
      expect(payloadOf(notCoordinator).error?.userId).toEqual(['admin:errors.coordinator']);
      const coordinator = await newUser(['coordinator']);
      const unknown = await post$({ intent: 'assign', userId: coordinator.userId, regionCode: '999999' });
      expect(payloadOf(unknown).error?.regionCode).toEqual(['admin:errors.regionCode']);
      await post$({ intent: 'assign', userId: coordinator.userId, regionCode: '421000' });
      await post$({ intent: 'remove', userId: coordinator.userId, regionCode: '421000' });
      expect(await app.db.select().from(coordinatorRegions).where(eq(coordinatorRegions.userId, coordinator.userId))).toEqual([]);
      expect(statusOf(await post$({ intent: 'set_lead', userId: coordinator.userId, regionCode: '421000' }))).toBe(404);
    });
  });

  describe('associations', () => {
    it('creates an association and manages its staff, GIs and regions, each change audited', async () => {
      const created = await call(app, adminAssociations.action, post('/admin/associations', { name: '宜昌市柑橘协会（测试）', regionCode: '420500', description: '测试' }, admin.cookie));
      const id = Number(/^\/admin\/associations\/(\d+)\?saved=1$/.exec(locationOf(created))![1]);
      const [row] = await app.db.select().from(associations).where(eq(associations.id, id));
      expect(row).toMatchObject({ name: '宜昌市柑橘协会（测试）', slug: 'yi-chang-shi-gan-ju-xie-hui', regionCode: '420500' });

      const act = (fields: Record<string, string>) => call(app, adminAssociation.action, post(`/admin/associations/${id}`, fields, admin.cookie), { id: String(id) });
      const staff = await newUser();
      const [miju] = await app.db.select().from(geographicalIndications).where(eq(geographicalIndications.slug, 'yichang-miju'));
      expect(statusOf(await act({ intent: 'member_added', account: staff.email.toUpperCase() }))).toBe(302);
      expect(statusOf(await act({ intent: 'gi_added', giId: String(miju!.id) }))).toBe(302);
      expect(statusOf(await act({ intent: 'region_added', regionCode: '420500' }))).toBe(302);
      expect(payloadOf(await act({ intent: 'member_added', account: 'nobody@example.com' })).error?.account).toEqual(['admin:errors.userNotFound']);
      expect(payloadOf(await act({ intent: 'region_added', regionCode: '999999' })).error?.regionCode).toEqual(['admin:errors.regionCode']);

      expect(await app.db.select().from(associationMembers).where(eq(associationMembers.associationId, id))).toEqual([expect.objectContaining({ userId: staff.userId })]);
      expect(await app.db.select().from(associationGis).where(eq(associationGis.associationId, id))).toEqual([{ associationId: id, giId: miju!.id }]);
      expect(await app.db.select().from(associationRegions).where(eq(associationRegions.associationId, id))).toEqual([{ associationId: id, regionCode: '420500' }]);
      const actions = (await app.db.select().from(auditEvents).where(and(eq(auditEvents.entityType, 'association'), eq(auditEvents.entityId, String(id))))).map((a) => a.action);
      expect(actions.sort()).toEqual(['association.created', 'association.gi_added', 'association.member_added', 'association.region_added']);

      expect(statusOf(await act({ intent: 'member_removed', userId: staff.userId }))).toBe(302);
      expect(await app.db.select().from(associationMembers).where(eq(associationMembers.associationId, id))).toEqual([]);
      const renamed = await act({ intent: 'update', name: '宜昌市柑橘产业协会（测试）', slug: 'yichang-ganju', regionCode: '420500' });
      expect(statusOf(renamed)).toBe(302);
      const taken = await act({ intent: 'update', name: '重名', slug: 'hubei-gi-association', regionCode: '420500' });
      expect(payloadOf(taken).error?.slug).toEqual(['admin:errors.slugTaken']);
    });
  });

  describe('GI records', () => {
    const save = (id: string, fields: Record<string, string | string[]>) => call(app, adminGi.action, post(`/admin/gis/${id}`, fields, admin.cookie), { id });
    const base = { slug: 'xingshan-huangliang', name: '兴山测试地标', categorySlug: 'fruit', protectedArea: '420526', sourceNote: '测试用记录，来源：测试' };

    it('creates a record without a number (never made up) and with its source note', async () => {
      const result = await save('new', { ...base, kind: 'protected_product', otherKinds: ['certification_mark', 'protected_product'] });
      const id = Number(/^\/admin\/gis\/(\d+)\?saved=1$/.exec(locationOf(result))![1]);
      const [row] = await app.db.select().from(geographicalIndications).where(eq(geographicalIndications.id, id));
      expect(row).toMatchObject({ registrationNumber: null, kind: 'protected_product', otherKinds: ['certification_mark'], sourceNote: base.sourceNote, chinaEuList: null });
      expect(await app.db.select().from(giProtectedAreas).where(eq(giProtectedAreas.giId, id))).toEqual([{ giId: id, regionCode: '420526' }]);
      const [audit] = await app.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'gi.created'), eq(auditEvents.entityId, String(id))));
      expect(audit?.actorUserId).toBe(admin.userId);
    });

    it('requires a source note and real region codes, and refuses a taken slug', async () => {
      const noSource = await save('new', { ...base, slug: 'no-source', sourceNote: '' });
      expect(payloadOf(noSource).error?.sourceNote).toEqual(['admin:errors.sourceNoteRequired']);
      const badArea = await save('new', { ...base, slug: 'bad-area', protectedArea: '420526, 999999' });
      expect(payloadOf(badArea).error?.protectedArea).toEqual(['admin:errors.unknownRegions', '999999']);
      const taken = await save('new', { ...base, slug: 'zigui-qicheng' });
      expect(payloadOf(taken).error?.slug).toEqual(['admin:errors.slugTaken']);
    });

    it('edits a record, replacing its protected area, with the kind left unconfirmed', async () => {
      const [gi] = await app.db.select().from(geographicalIndications).where(eq(geographicalIndications.slug, 'yichang-miju'));
      const result = await save(String(gi!.id), {
        ...base,
        slug: 'yichang-miju',
        name: '宜昌蜜桔',
        protectedArea: '420500 420527',
        registrationNumber: '',
        chinaEuList: '2',
        sourceNote: gi!.sourceNote,
      });
      expect(statusOf(result)).toBe(302);
      const [row] = await app.db.select().from(geographicalIndications).where(eq(geographicalIndications.id, gi!.id));
      expect(row).toMatchObject({ kind: null, chinaEuList: 2, registrationNumber: null });
      const area = await app.db.select().from(giProtectedAreas).where(eq(giProtectedAreas.giId, gi!.id));
      expect(area.map((a) => a.regionCode).sort()).toEqual(['420500', '420527']);
      expect(statusOf(await save('999999', base))).toBe(404);
    });
  });

  describe('audit log page', () => {
    type AuditPage = { events: { action: string; actorName: string | null; createdAt: string }[]; lastResult: Payload };
    const page = async (query: string) => payloadOf<AuditPage>(await call(app, adminAudit.loader, get(`/admin/audit${query}`, admin.cookie)));

    it('filters by action, actor and dates', async () => {
      const person = await newUser();
      await call(app, adminUsers.action, post('/admin/users', { intent: 'grant', userId: person.userId, role: 'coordinator' }, admin.cookie));
      const granted = await page('?action=user.role_granted');
      expect(granted.events.length).toBeGreaterThan(0);
      expect(new Set(granted.events.map((e) => e.action))).toEqual(new Set(['user.role_granted']));
      const byEntity = await page(`?entityType=user&entityId=${person.userId}`);
      expect(byEntity.events.map((e) => e.action)).toEqual(['user.role_granted']);

      const byActor = await page(`?actor=${encodeURIComponent(`admin@${DEMO}`)}`);
      expect(byActor.events.length).toBeGreaterThan(0);
      expect(new Set(byActor.events.map((e) => e.actorName))).toEqual(new Set(['平台管理员（演示）']));

      // Events carry the database's clock: a window around today holds them, one long ago none.
      const chinaDay = (offset: number) => new Date(Date.now() + offset * 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
      expect((await page(`?action=user.role_granted&from=${chinaDay(-1)}&to=${chinaDay(1)}`)).events.length).toBe(granted.events.length);
      expect((await page('?action=user.role_granted&from=2019-01-01&to=2019-12-31')).events).toEqual([]);
    });

    it('shows field errors for a bad date range and an unknown actor', async () => {
      expect((await page('?from=2020-03-02&to=2020-03-01')).lastResult.error?.to).toEqual(['admin:errors.dateRange']);
      expect((await page('?from=yesterday')).lastResult.error?.from).toEqual(['admin:errors.date']);
      const unknown = await page('?actor=nobody%40example.com');
      expect(unknown.lastResult.error?.actor).toEqual(['admin:errors.userNotFound']);
      expect(unknown.events).toEqual([]);
    });
  });
});

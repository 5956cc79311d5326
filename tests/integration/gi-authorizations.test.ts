import fs from 'node:fs';
import path from 'node:path';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  associationMembers,
  associations,
  auditEvents,
  cooperativeMembers,
  cooperatives,
  geographicalIndications,
  giAuthorizations,
  jobs,
  products,
  users,
} from '~/db/schema';
import { seedDemoData } from '~/models/demo-seed.server';
import { createUser } from '~/models/user.server';
import { loader as coopListLoader } from '~/routes/coop.$coop.gi-authorizations._index/route';
import { action as applyAction, loader as applyLoader } from '~/routes/coop.$coop.gi-authorizations.new/route';
import { loader as evidenceLoader } from '~/routes/review.evidence.$id/route';
import { loader as reviewListLoader } from '~/routes/review.gi-authorizations._index/route';
import { action as decideAction, loader as decideLoader } from '~/routes/review.gi-authorizations.$id/route';
import type { AppContext } from '~/utils/context.server';
import { withCheckCharacter } from '~/utils/credit-code';
import { EMAIL_JOB, type EmailMessage } from '~/utils/mail.server';
import { insertSession, serializeSessionCookie } from '~/utils/session.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

type Handler = (args: { request: Request; params: Record<string, string>; context: { app: AppContext } }) => unknown;
type Payload = { error?: Record<string, string[] | null> };

const DEMO = 'demo.dibiao.example';
const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

async function call(app: AppContext, handler: unknown, request: Request, params: Record<string, string> = {}) {
  try {
    return await (handler as Handler)({ request, params, context: { app } });
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
}

const get = (url: string, cookie?: string) => new Request(`http://localhost${url}`, { headers: cookie ? { Cookie: cookie } : {} });
const post = (url: string, fields: Record<string, string>, cookie?: string) =>
  new Request(`http://localhost${url}`, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
  });
/** A multipart form post, as a browser sends a file upload. */
function upload(url: string, fields: Record<string, string | File>, cookie?: string) {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.set(name, value);
  return new Request(`http://localhost${url}`, { method: 'POST', body, headers: cookie ? { Cookie: cookie } : {} });
}

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

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describeEachDriver('GI authorizations', (t) => {
  const clock = new Date('2020-02-25T03:00:00Z');
  let app: AppContext;
  const coop = new Map<string, { id: number; slug: string }>();
  const gi = new Map<string, number>();

  beforeAll(async () => {
    app = createTestApp(t.database, { PUBLIC_URL: 'https://dibiao.example' }, () => clock);
    await seedDemoData(app.db, clock);
    for (const c of await app.db.select({ id: cooperatives.id, slug: cooperatives.slug }).from(cooperatives)) coop.set(c.slug, c);
    for (const g of await app.db.select({ id: geographicalIndications.id, slug: geographicalIndications.slug }).from(geographicalIndications)) gi.set(g.slug, g.id);
  });

  async function cookieFor(userId: string) {
    const sessionId = await insertSession(app.db, { userId, now: clock });
    return (await serializeSessionCookie(get('/'), app.sessionSecret, sessionId)).split(';')[0]!;
  }
  async function signIn(email: string) {
    const [user] = await app.db.select().from(users).where(eq(users.email, email));
    return { userId: user!.id, cookie: await cookieFor(user!.id) };
  }
  const owner = (slug: string) => signIn(`coop-${slug}@${DEMO}`);
  const evidence = (bytes: Uint8Array<ArrayBuffer> = PDF, name = 'licence.pdf') => new File([bytes], name, { type: 'application/pdf' });
  const apply = async (slug: string, fields: Record<string, string | File>, cookie: string) =>
    call(app, applyAction, upload(`/coop/${slug}/gi-authorizations/new`, fields, cookie), { coop: slug });
  const decide = async (id: number, fields: Record<string, string>, cookie: string) =>
    call(app, decideAction, post(`/review/gi-authorizations/${id}`, fields, cookie), { id: String(id) });
  const authorizationOf = async (coopSlug: string, giSlug: string, status?: 'pending' | 'approved' | 'rejected' | 'revoked') => {
    const rows = await app.db
      .select()
      .from(giAuthorizations)
      .where(and(eq(giAuthorizations.cooperativeId, coop.get(coopSlug)!.id), eq(giAuthorizations.giId, gi.get(giSlug)!)));
    return rows.filter((r) => !status || r.status === status).sort((a, b) => b.id - a.id)[0];
  };
  const uploadDir = () => path.join(app.env.UPLOAD_DIR, 'private');

  /** 宜昌蜜桔's protected area (宜昌市) holds 秭归: 秭归's cooperative may apply for it. */
  async function applyForYichangMiju() {
    const zigui = await owner('zigui-chengxiang');
    const result = await apply('zigui-chengxiang', { giId: String(gi.get('yichang-miju')), note: '宜昌市柑橘协会许可', evidence: evidence() }, zigui.cookie);
    expect(locationOf(result)).toBe('/coop/zigui-chengxiang/gi-authorizations?applied=1');
    return (await authorizationOf('zigui-chengxiang', 'yichang-miju', 'pending'))!;
  }
  const pendingYichangMiju = async () => (await authorizationOf('zigui-chengxiang', 'yichang-miju', 'pending')) ?? (await applyForYichangMiju());

  describe('applying', () => {
    it('files a pending application with its evidence stored privately, audited', async () => {
      const zigui = await owner('zigui-chengxiang');
      const page = payloadOf<{ gis: { id: number; open: boolean }[] }>(await call(app, applyLoader, get('/coop/zigui-chengxiang/gi-authorizations/new', zigui.cookie), { coop: 'zigui-chengxiang' }));
      expect(page.gis.find((g) => g.id === gi.get('zigui-qicheng'))?.open).toBe(true);
      expect(page.gis.map((g) => g.id)).not.toContain(gi.get('gannan-qicheng'));

      const row = await applyForYichangMiju();
      expect(row).toMatchObject({ status: 'pending', note: '宜昌市柑橘协会许可' });
      expect(row.evidencePath).toMatch(/^gi-evidence\/[0-9a-f-]{36}\.pdf$/);
      expect(fs.readFileSync(path.join(uploadDir(), row.evidencePath!))).toEqual(Buffer.from(PDF));
      const [audit] = await app.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'gi_authorization.applied'), eq(auditEvents.entityId, String(row.id))));
      expect(audit?.actorUserId).toBe(zigui.userId);
    });

    it('refuses a GI whose protected area does not hold the cooperative, one already open, and keeps no file of a refusal', async () => {
      const zigui = await owner('zigui-chengxiang');
      const before = filesUnder(uploadDir()).length;
      const outside = await apply('zigui-chengxiang', { giId: String(gi.get('gannan-qicheng')), evidence: evidence() }, zigui.cookie);
      expect(payloadOf(outside).error?.giId).toEqual(['onboarding:errors.giOutsideArea']);
      const open = await apply('zigui-chengxiang', { giId: String(gi.get('zigui-qicheng')), evidence: evidence() }, zigui.cookie);
      expect(payloadOf(open).error?.giId).toEqual(['onboarding:errors.giAlreadyOpen']);
      expect(filesUnder(uploadDir())).toHaveLength(before);
    });

    it('requires evidence and accepts only PDF or images, by content', async () => {
      const owner2 = await owner('xinfeng-qicheng');
      await app.db.delete(giAuthorizations).where(eq(giAuthorizations.cooperativeId, coop.get('xinfeng-qicheng')!.id));
      const missing = await apply('xinfeng-qicheng', { giId: String(gi.get('gannan-qicheng')) }, owner2.cookie);
      expect(statusOf(missing)).toBe(400);
      expect(payloadOf(missing).error?.evidence).toEqual(['onboarding:errors.evidenceRequired']);
      const html = new File([new TextEncoder().encode('<html><script>alert(1)</script></html>')], 'licence.pdf', { type: 'application/pdf' });
      const disguised = await apply('xinfeng-qicheng', { giId: String(gi.get('gannan-qicheng')), evidence: html }, owner2.cookie);
      expect(payloadOf(disguised).error?.evidence).toEqual(['onboarding:errors.upload.unsupported_type']);
      expect(await authorizationOf('xinfeng-qicheng', 'gannan-qicheng')).toBeUndefined();
    });
  });

  describe('deciding', () => {
    it('is refused to staff of an association not covering the GI, a coordinator of another region, and a customer', async () => {
      const row = await pendingYichangMiju();
      // Reviewers elsewhere do not even see the application (404, for the page and the decision alike);
      // people who are no reviewers are refused the desk (403).
      const pageStatus = { [`association-gannan@${DEMO}`]: 404, [`coordinator-jiangxi@${DEMO}`]: 404, [`customer@${DEMO}`]: 403, [`coop-xinfeng-qicheng@${DEMO}`]: 403 };
      for (const [email, status] of Object.entries(pageStatus)) {
        const { cookie } = await signIn(email);
        expect(statusOf(await decide(row.id, { intent: 'approve' }, cookie)), email).toBe(status);
        expect(statusOf(await call(app, decideLoader, get(`/review/gi-authorizations/${row.id}`, cookie), { id: String(row.id) })), email).toBe(status);
      }
      expect((await authorizationOf('zigui-chengxiang', 'yichang-miju'))?.status).toBe('pending');
    });

    it('is refused to a member of the applying cooperative, even one who is staff of the covering association', async () => {
      const row = await pendingYichangMiju();
      const zigui = await owner('zigui-chengxiang');
      expect(statusOf(await decide(row.id, { intent: 'approve' }, zigui.cookie))).toBe(403);
      const [hubei] = await app.db.select().from(associations).where(eq(associations.slug, 'hubei-gi-association'));
      await app.db.insert(associationMembers).values({ associationId: hubei!.id, userId: zigui.userId });
      try {
        const staffOwner = await cookieFor(zigui.userId);
        expect(statusOf(await decide(row.id, { intent: 'approve' }, staffOwner))).toBe(403);
        const list = payloadOf<{ applications: { id: number }[] }>(await call(app, reviewListLoader, get('/review/gi-authorizations', staffOwner)));
        expect(list.applications.map((a) => a.id)).not.toContain(row.id);
      } finally {
        await app.db.delete(associationMembers).where(eq(associationMembers.userId, zigui.userId));
      }
      expect((await authorizationOf('zigui-chengxiang', 'yichang-miju'))?.status).toBe('pending');
    });

    it('is done by staff of the association covering the GI: approved, audited, members e-mailed', async () => {
      const row = await pendingYichangMiju();
      const staff = await signIn(`association-hubei@${DEMO}`);
      const list = payloadOf<{ applications: { id: number }[] }>(await call(app, reviewListLoader, get('/review/gi-authorizations?status=pending', staff.cookie)));
      expect(list.applications.map((a) => a.id)).toContain(row.id);
      expect(locationOf(await decide(row.id, { intent: 'approve', reason: '材料齐全' }, staff.cookie))).toBe(`/review/gi-authorizations/${row.id}?decided=approve`);
      const after = await authorizationOf('zigui-chengxiang', 'yichang-miju');
      expect(after).toMatchObject({ status: 'approved', decidedBy: staff.userId, decisionReason: '材料齐全' });
      const audits = await app.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'gi_authorization.approved'), eq(auditEvents.entityId, String(row.id))));
      expect(audits).toHaveLength(1);
      const mail = (await app.db.select().from(jobs).where(eq(jobs.kind, EMAIL_JOB))).map((j) => j.payload as EmailMessage);
      expect(mail.some((m) => m.to === `coop-zigui-chengxiang@${DEMO}` && m.subject.includes('宜昌蜜桔'))).toBe(true);
    });

    it('is done by a coordinator covering the cooperative’s region, who must give a reason to reject', async () => {
      const row = (await authorizationOf('honghu-ouxiang', 'honghu-lianou', 'pending'))!;
      const coordinator = await signIn(`coordinator-hubei@${DEMO}`);
      const jiangxi = await signIn(`coordinator-jiangxi@${DEMO}`);
      const theirs = payloadOf<{ applications: { id: number }[] }>(await call(app, reviewListLoader, get('/review/gi-authorizations', jiangxi.cookie)));
      expect(theirs.applications.map((a) => a.id)).not.toContain(row.id);
      const noReason = await decide(row.id, { intent: 'reject' }, coordinator.cookie);
      expect(payloadOf(noReason).error?.reason).toEqual(['onboarding:errors.reasonRequired']);
      expect(statusOf(await decide(row.id, { intent: 'reject', reason: '合作社尚未认证' }, coordinator.cookie))).toBe(302);
      expect((await authorizationOf('honghu-ouxiang', 'honghu-lianou'))?.status).toBe('rejected');
      // Decided once: a second decision finds a stale state.
      expect(statusOf(await decide(row.id, { intent: 'approve' }, coordinator.cookie))).toBe(409);
    });
  });

  describe('revoking', () => {
    it('takes the GI badge off exactly that cooperative’s products with that GI, in the same transaction as the audit', async () => {
      const zigui = coop.get('zigui-chengxiang')!;
      const [other] = await app.db
        .insert(cooperatives)
        .values({ slug: 'zigui-other-test', legalName: '秭归县另一家脐橙合作社（测试）', creditCode: withCheckCharacter('93420527MA9999999'), regionCode: '420527', verificationStatus: 'verified' })
        .returning();
      await app.db.insert(giAuthorizations).values({ cooperativeId: other!.id, giId: gi.get('zigui-qicheng')!, status: 'approved' });
      const product = (slug: string, cooperativeId: number, giId: number | null) => ({
        slug,
        cooperativeId,
        giId,
        categorySlug: 'fruit',
        originRegionCode: '420527',
        title: slug,
        status: 'published' as const,
        publishedAt: clock,
      });
      await app.db.insert(products).values([
        product('zigui-revoke-a', zigui.id, gi.get('zigui-qicheng')!),
        product('zigui-revoke-b', zigui.id, gi.get('zigui-qicheng')!),
        product('zigui-other-gi', zigui.id, gi.get('yichang-miju')!),
        product('zigui-no-gi', zigui.id, null),
        product('other-coop-same-gi', other!.id, gi.get('zigui-qicheng')!),
      ]);
      const expected = (
        await app.db
          .select({ id: products.id })
          .from(products)
          .where(and(eq(products.cooperativeId, zigui.id), eq(products.giId, gi.get('zigui-qicheng')!)))
      ).map((p) => p.id);
      expect(expected.length).toBeGreaterThanOrEqual(3); // the demo's own, plus two

      const row = (await authorizationOf('zigui-chengxiang', 'zigui-qicheng', 'approved'))!;
      const staff = await signIn(`association-hubei@${DEMO}`);
      const noReason = await decide(row.id, { intent: 'revoke' }, staff.cookie);
      expect(payloadOf(noReason).error?.reason).toEqual(['onboarding:errors.reasonRequired']);
      expect(await app.db.select().from(products).where(isNotNull(products.giRevokedAt))).toEqual([]);

      expect(statusOf(await decide(row.id, { intent: 'revoke', reason: '抽检发现非产区原料' }, staff.cookie))).toBe(302);
      const flagged = await app.db.select({ id: products.id, giRevokedAt: products.giRevokedAt }).from(products).where(isNotNull(products.giRevokedAt));
      expect(flagged.map((p) => p.id).sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
      expect(flagged.every((p) => p.giRevokedAt?.getTime() === clock.getTime())).toBe(true);
      expect((await authorizationOf('zigui-chengxiang', 'zigui-qicheng'))?.status).toBe('revoked');

      const [audit] = await app.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'gi_authorization.revoked'), eq(auditEvents.entityId, String(row.id))));
      expect(audit).toMatchObject({ actorUserId: staff.userId, data: expect.objectContaining({ reason: '抽检发现非产区原料' }) });
      expect([...(audit!.data as { productIds: number[] }).productIds].sort((a, b) => a - b)).toEqual(expected);
      const sync = (await app.db.select().from(jobs).where(eq(jobs.kind, 'search.sync'))).map((j) => j.payload as { productIds: number[]; reason: string });
      expect(sync.find((j) => j.reason === 'gi_authorization.revoked')?.productIds).toEqual(expect.arrayContaining(expected));

      // The portal lists them for the cooperative to re-claim.
      const portal = payloadOf<{ revokedProducts: { id: number }[] }>(
        await call(app, coopListLoader, get('/coop/zigui-chengxiang/gi-authorizations', (await owner('zigui-chengxiang')).cookie), { coop: 'zigui-chengxiang' }),
      );
      expect(portal.revokedProducts.map((p) => p.id).sort((a, b) => a - b)).toEqual(expected);
    });

    it('does not put the badges back when the GI is approved again', async () => {
      const zigui = await owner('zigui-chengxiang');
      expect(statusOf(await apply('zigui-chengxiang', { giId: String(gi.get('zigui-qicheng')), evidence: evidence() }, zigui.cookie))).toBe(302);
      const row = (await authorizationOf('zigui-chengxiang', 'zigui-qicheng', 'pending'))!;
      const staff = await signIn(`association-hubei@${DEMO}`);
      expect(statusOf(await decide(row.id, { intent: 'approve' }, staff.cookie))).toBe(302);
      const stillFlagged = await app.db
        .select({ id: products.id })
        .from(products)
        .where(and(eq(products.cooperativeId, coop.get('zigui-chengxiang')!.id), eq(products.giId, gi.get('zigui-qicheng')!), isNotNull(products.giRevokedAt)));
      expect(stillFlagged.length).toBeGreaterThanOrEqual(3);
    });
  });

  describe('evidence and access between cooperatives', () => {
    it('serves the evidence to the applying cooperative and the deciders only', async () => {
      const row = (await authorizationOf('zigui-chengxiang', 'yichang-miju'))!;
      const read = async (email: string) => call(app, evidenceLoader, get(`/review/evidence/${row.id}`, (await signIn(email)).cookie), { id: String(row.id) });
      const own = await read(`coop-zigui-chengxiang@${DEMO}`);
      expect(statusOf(own)).toBe(200);
      expect((own as Response).headers.get('Content-Type')).toBe('application/pdf');
      expect((own as Response).headers.get('Content-Disposition')).toMatch(/^attachment;/);
      expect(new Uint8Array(await (own as Response).arrayBuffer())).toEqual(PDF);
      expect(statusOf(await read(`association-hubei@${DEMO}`))).toBe(200);
      expect(statusOf(await read(`coordinator-hubei@${DEMO}`))).toBe(200);
      for (const email of [`coop-xinfeng-qicheng@${DEMO}`, `association-gannan@${DEMO}`, `coordinator-jiangxi@${DEMO}`, `customer@${DEMO}`]) {
        expect(statusOf(await read(email)), email).toBe(404);
      }
    });

    it('never lets a member of cooperative B read or file A’s applications', async () => {
      const b = await owner('xinfeng-qicheng');
      const a = 'zigui-chengxiang';
      expect(statusOf(await call(app, coopListLoader, get(`/coop/${a}/gi-authorizations`, b.cookie), { coop: a }))).toBe(404);
      expect(statusOf(await call(app, applyLoader, get(`/coop/${a}/gi-authorizations/new`, b.cookie), { coop: a }))).toBe(404);
      const before = await app.db.select({ id: giAuthorizations.id }).from(giAuthorizations).where(eq(giAuthorizations.cooperativeId, coop.get(a)!.id));
      expect(statusOf(await apply(a, { giId: String(gi.get('yichang-miju')), evidence: evidence() }, b.cookie))).toBe(404);
      const after = await app.db.select({ id: giAuthorizations.id }).from(giAuthorizations).where(eq(giAuthorizations.cooperativeId, coop.get(a)!.id));
      expect(after).toHaveLength(before.length);
      // B's own list shows only B's rows.
      const own = payloadOf<{ authorizations: { id: number }[] }>(await call(app, coopListLoader, get('/coop/xinfeng-qicheng/gi-authorizations', b.cookie), { coop: 'xinfeng-qicheng' }));
      const aIds = after.map((r) => r.id);
      expect(own.authorizations.some((r) => aIds.includes(r.id))).toBe(false);
      // Deciding A's rows by id is not open to B's owner either.
      const ids = (await app.db.select({ id: giAuthorizations.id }).from(giAuthorizations).where(inArray(giAuthorizations.id, aIds))).map((r) => r.id);
      for (const id of ids) expect(statusOf(await decide(id, { intent: 'revoke', reason: 'x' }, b.cookie))).toBe(403);
    });

    it('lets a plain member (not only the owner) apply for their own cooperative', async () => {
      const member = await createUser(app.db, { displayName: '成员', mobile: '13512345678', password: 'unused-password-2020', privacyConsentAt: clock, now: clock });
      await app.db.insert(cooperativeMembers).values({ cooperativeId: coop.get('xinfeng-qicheng')!.id, userId: member.id, role: 'member' });
      const cookie = await cookieFor(member.id);
      expect(statusOf(await apply('xinfeng-qicheng', { giId: String(gi.get('gannan-qicheng')), evidence: evidence() }, cookie))).toBe(302);
      expect((await authorizationOf('xinfeng-qicheng', 'gannan-qicheng'))?.status).toBe('pending');
    });
  });
});

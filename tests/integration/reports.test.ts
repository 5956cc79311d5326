/**
 * Logistics blockage and stalled-sales reports: filing and its validation, routing to the
 * coordinators covering the region, the status table, comments and internal notes, the history,
 * notifications and e-mails on status changes, escalation of overdue reports on a controlled
 * clock, the storefront's delay notice and unsold flags — and who may see and do what, route by
 * route and role by role.
 */
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { cooperatives, coordinatorRegions, jobs, logisticsReports, notifications, products, reportEvents, users } from '~/db/schema';
import { seedDemoData } from '~/models/demo-seed.server';
import {
  addReportComment,
  assignReport,
  escalateOverdueReports,
  fileReport,
  getDelayNoticesForRegions,
  getFilingChoices,
  getOpenDelayNotices,
  getReportDetail,
  listProductsFlaggedUnsold,
  nextReportStatus,
  REPORT_ESCALATION_JOB,
  REPORT_STATUSES,
  REPORT_TRANSITIONS,
  reportEscalationJobHandler,
  STATUS_ACTIONS,
  transitionReport,
  type ReportInput,
  type ReportStatus,
  type StatusAction,
} from '~/models/reports.server';
import { loader as boardLoader } from '~/routes/coordinator._index/route';
import { loader as exportLoader } from '~/routes/coordinator.export/route';
import { action as notificationsAction, loader as notificationsLoader } from '~/routes/notifications/route';
import { loader as attachmentLoader } from '~/routes/reports.$id.attachments.$attachmentId/route';
import { action as detailAction, loader as detailLoader } from '~/routes/reports.$id/route';
import { loader as listLoader } from '~/routes/reports._index/route';
import { action as newAction, loader as newLoader } from '~/routes/reports.new/route';
import type { AppContext } from '~/utils/context.server';
import { createJobRunner } from '~/utils/jobs.server';
import { EMAIL_JOB } from '~/utils/mail.server';
import { createUser, loadUserAccess } from '~/models/user.server';
import type { Actor } from '~/utils/permissions.server';
import pino from 'pino';
import { signIn } from '../fixtures/coop-portal';
import { fileOf, makeImage, MINIMAL_PDF } from '../fixtures/images';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

const START = new Date('2020-02-20T02:00:00Z');
const HOUR = 3_600_000;
const ORIGIN = 'http://localhost';
const DOMAIN = 'demo.dibiao.example';

type SignedIn = NonNullable<Actor>;
type RouteFn = (args: { request: Request; params: Record<string, string>; context: { app: AppContext } }) => Promise<unknown>;

async function run(fn: RouteFn, app: AppContext, request: Request, params: Record<string, string> = {}): Promise<unknown> {
  try {
    return await fn({ request, params, context: { app } });
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
}

function statusOf(result: unknown): number {
  if (result instanceof Response) return result.status;
  return (result as { init?: ResponseInit | null } | null)?.init?.status ?? 200;
}

function payload<T>(result: unknown): T {
  const value = result as { type?: string; data?: unknown };
  return (value?.type === 'DataWithResponseInit' ? value.data : result) as T;
}

function get(path: string, cookie?: string): Request {
  return new Request(`${ORIGIN}${path}`, { headers: cookie ? { Cookie: cookie } : {} });
}

function post(path: string, fields: Record<string, string | string[] | File | File[]>, cookie?: string, { multipart = false } = {}): Request {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) form.append(name, v);
  const body = multipart ? form : new URLSearchParams([...form.entries()].map(([k, v]) => [k, String(v)]));
  return new Request(`${ORIGIN}${path}`, { method: 'POST', body, headers: cookie ? { Cookie: cookie } : {} });
}

type ReplyShape = { status?: string; error?: Record<string, string[] | null>; initialValue?: Record<string, unknown> };

describeEachDriver('logistics reports', (t) => {
  let app: AppContext;
  let clock = START;
  const people = {} as Record<'customer' | 'member' | 'otherMember' | 'staff' | 'otherStaff' | 'coordinator' | 'otherCoordinator' | 'admin', SignedIn & { email: string }>;
  let qianjiangCoop: number;
  let ziguiCoop: number;
  let crayfish: number;
  let crayfishCooked: number;

  async function person(email: string) {
    const [user] = await app.db.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (!user) throw new Error(`no demo user ${email}`);
    return { id: user.id, email, ...(await loadUserAccess(app.db, user.id)) };
  }

  function input(overrides: Partial<ReportInput> = {}): ReportInput {
    return {
      kind: 'logistics_blocked',
      cause: 'cold_chain_shortage',
      regionCode: '429005',
      placeDetail: '潜江市熊口镇',
      summary: '冷链车不够，活虾发不出去',
      description: '',
      quantityAtRisk: 15000,
      quantityUnit: 'kg',
      daysUntilLoss: 5,
      deadline: null,
      severity: 'high',
      contactName: '刘德明',
      contactPhone: '0728-6200000',
      filedForName: null,
      cooperativeIds: [qianjiangCoop],
      productIds: [crayfish],
      ...overrides,
    };
  }

  async function file(actor: SignedIn, overrides: Partial<ReportInput> = {}, extra: Partial<Parameters<typeof fileReport>[1]> = {}): Promise<string> {
    const result = await fileReport(app.db, { actor, input: input(overrides), now: clock, ackTargetHours: 24, baseUrl: ORIGIN, ...extra });
    if (!result.ok) throw new Error(`filing failed: ${result.error}`);
    return result.id;
  }

  async function setStatus(id: string, status: ReportStatus) {
    await app.db.update(logisticsReports).set({ status }).where(eq(logisticsReports.id, id));
  }

  async function reportRow(id: string) {
    const [row] = await app.db.select().from(logisticsReports).where(eq(logisticsReports.id, id));
    return row!;
  }

  async function notificationsOf(userId: string, kind?: string) {
    return app.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, userId), kind ? eq(notifications.kind, kind) : undefined));
  }

  const ctx = (actor: SignedIn, reportId: string) => ({ actor, reportId, now: clock, baseUrl: ORIGIN });

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => clock);
    await seedDemoData(app.db, START);
    people.customer = await person(`customer@${DOMAIN}`);
    people.member = await person(`coop-qianjiang-xiadao@${DOMAIN}`);
    people.otherMember = await person(`coop-zigui-chengxiang@${DOMAIN}`);
    people.staff = await person(`association-hubei@${DOMAIN}`);
    people.otherStaff = await person(`association-gannan@${DOMAIN}`);
    people.coordinator = await person(`coordinator-hubei@${DOMAIN}`);
    people.otherCoordinator = await person(`coordinator-jiangxi@${DOMAIN}`);
    people.admin = await person(`admin@${DOMAIN}`);
    const coop = async (slug: string) => (await app.db.select({ id: cooperatives.id }).from(cooperatives).where(eq(cooperatives.slug, slug)))[0]!.id;
    const product = async (slug: string) => (await app.db.select({ id: products.id }).from(products).where(eq(products.slug, slug)))[0]!.id;
    qianjiangCoop = await coop('qianjiang-xiadao');
    ziguiCoop = await coop('zigui-chengxiang');
    crayfish = await product('qianjiang-longxia-live-2-5kg');
    crayfishCooked = await product('qianjiang-longxia-cooked-spicy');
  });

  describe('filing (/reports/new)', () => {
    it('names every missing field and returns what was typed', async () => {
      const cookie = await signIn(app, people.staff.id);
      const result = await run(newAction as RouteFn, app, post('/reports/new', { kind: 'logistics_blocked', placeDetail: 'G318 宜昌检查站', quantityAtRisk: '300' }, cookie));
      expect(statusOf(result)).toBe(400);
      const reply = payload<ReplyShape>(result);
      expect(reply.error).toMatchObject({
        cause: ['reports:errors.causeRequired'],
        regionCode: ['reports:errors.regionRequired'],
        summary: ['reports:errors.summaryRequired'],
        contactName: ['reports:errors.contactNameRequired'],
        contactPhone: ['reports:errors.contactPhoneRequired'],
      });
      expect(reply.initialValue).toMatchObject({ kind: 'logistics_blocked', placeDetail: 'G318 宜昌检查站', quantityAtRisk: '300' });
    });

    it('refuses a region that is not in the region data, a past deadline and a bad phone number', async () => {
      const cookie = await signIn(app, people.staff.id);
      const fields = { kind: 'unsold', regionCode: '999999', summary: '滞销', contactName: '张三', contactPhone: '13800000000' };
      const unknown = await run(newAction as RouteFn, app, post('/reports/new', fields, cookie));
      expect(statusOf(unknown)).toBe(400);
      expect(payload<ReplyShape>(unknown).error?.regionCode).toEqual(['reports:errors.regionNotFound']);

      const past = await run(newAction as RouteFn, app, post('/reports/new', { ...fields, regionCode: '429005', deadline: '2020-02-19', contactPhone: 'call me' }, cookie));
      expect(payload<ReplyShape>(past).error).toMatchObject({ deadline: ['reports:errors.deadlinePast'], contactPhone: ['reports:errors.contactPhoneInvalid'] });
    });

    it('checks attachments by content, refuses other files and asks for the chosen files again', async () => {
      const cookie = await signIn(app, people.staff.id);
      const before = (await app.db.select({ id: logisticsReports.id }).from(logisticsReports)).length;
      const result = await run(
        newAction as RouteFn,
        app,
        post(
          '/reports/new',
          {
            kind: 'logistics_blocked',
            cause: 'road_closure',
            regionCode: '429005',
            summary: '道路封闭',
            contactName: '张三',
            contactPhone: '13800000000',
            attachments: [fileOf(await makeImage('png', { width: 40, height: 30 }), 'road.png', 'image/png'), fileOf('<html><script>alert(1)</script>', 'photo.jpg', 'image/jpeg')],
          },
          cookie,
          { multipart: true },
        ),
      );
      expect(statusOf(result)).toBe(400);
      const errors = payload<ReplyShape>(result).error?.attachments ?? [];
      expect(errors).toContain('reports:errors.upload.unsupported_type');
      expect(errors.some((e) => e.includes('road.png') && e.includes('photo.jpg'))).toBe(true);
      expect(payload<ReplyShape>(result).initialValue).toMatchObject({ summary: '道路封闭', regionCode: '429005' });
      expect((await app.db.select({ id: logisticsReports.id }).from(logisticsReports)).length).toBe(before);
    });

    it('files a complete report with an image and a PDF and redirects to it', async () => {
      const cookie = await signIn(app, people.staff.id);
      const result = (await run(
        newAction as RouteFn,
        app,
        post(
          '/reports/new',
          {
            kind: 'logistics_blocked',
            cause: 'cold_chain_shortage',
            regionCode: '429005',
            placeDetail: '熊口镇',
            summary: '冷链车不够',
            quantityAtRisk: '12000',
            quantityUnit: 'kg',
            daysUntilLoss: '4',
            deadline: '2020-02-25',
            severity: 'critical',
            contactName: '刘德明',
            contactPhone: '0728-6200000',
            cooperativeIds: String(qianjiangCoop),
            productIds: [String(crayfish), String(crayfishCooked)],
            attachments: [fileOf(await makeImage('jpeg', { width: 64, height: 48 }), 'truck.jpg', 'image/jpeg'), fileOf(MINIMAL_PDF, 'permit.pdf', 'application/pdf')],
          },
          cookie,
          { multipart: true },
        ),
      )) as Response;
      expect(result.status).toBe(302);
      const id = /\/reports\/([0-9a-f-]{36})\?filed=1$/.exec(result.headers.get('Location') ?? '')?.[1];
      expect(id).toBeDefined();
      const detail = await getReportDetail(app.db, people.staff, id!, { now: clock, ackTargetHours: 24 });
      expect(detail?.report).toMatchObject({ kind: 'logistics_blocked', cause: 'cold_chain_shortage', status: 'new', quantityAtRisk: 12000, daysUntilLoss: 4, deadline: '2020-02-25' });
      expect(detail?.products.map((p) => p.id).sort()).toEqual([crayfish, crayfishCooked].sort());
      expect(detail?.attachments.map((a) => a.contentType).sort()).toEqual(['application/pdf', 'image/webp']);
      expect(detail?.report.associationName).toBe('湖北省地理标志产品协会（演示）');

      const file = await run(attachmentLoader as RouteFn, app, get(`/reports/${id}/attachments/${detail!.attachments[0]!.id}`, cookie), {
        id: id!,
        attachmentId: String(detail!.attachments[0]!.id),
      });
      expect(statusOf(file)).toBe(200);
      expect((file as Response).headers.get('X-Content-Type-Options')).toBe('nosniff');
    });

    it('lets a cooperative member name only their own cooperatives and products', async () => {
      const choices = await getFilingChoices(app.db, people.member);
      expect(choices.cooperatives.map((c) => c.id)).toEqual([qianjiangCoop]);
      const cookie = await signIn(app, people.member.id);
      const fields = { kind: 'unsold', regionCode: '429005', summary: '滞销', contactName: '刘德明', contactPhone: '13900000000' };
      const result = await run(newAction as RouteFn, app, post('/reports/new', { ...fields, cooperativeIds: String(ziguiCoop) }, cookie));
      expect(payload<ReplyShape>(result).error?.cooperativeIds).toEqual(['reports:errors.cooperativeNotAllowed']);
    });

    it('offers association staff the cooperatives in their association’s regions, and no others', async () => {
      const hubei = await getFilingChoices(app.db, people.staff);
      const coopRegions = new Map((await app.db.select({ id: cooperatives.id, region: cooperatives.regionCode }).from(cooperatives)).map((c) => [c.id, c.region]));
      expect(hubei.cooperatives.map((c) => c.id)).toContain(qianjiangCoop);
      expect(hubei.cooperatives.every((c) => coopRegions.get(c.id)!.startsWith('42'))).toBe(true);
      expect(hubei.products.map((p) => p.id)).toContain(crayfish);
      const gannan = await getFilingChoices(app.db, people.otherStaff);
      expect(gannan.cooperatives.length).toBeGreaterThan(0);
      expect(gannan.cooperatives.every((c) => coopRegions.get(c.id)!.startsWith('3607'))).toBe(true);
    });

    it('lists the regions of the province grouped by city, county-level cities under the province included', async () => {
      const cookie = await signIn(app, people.staff.id);
      const data = payload<Awaited<ReturnType<typeof newLoader>>>(await run(newLoader as RouteFn, app, get('/reports/new', cookie)));
      expect(data.provinceCode).toBe('420000');
      const codes = data.regionGroups.flatMap((g) => g.options.map((o) => o.code));
      expect(codes).toEqual(expect.arrayContaining(['420000', '420500', '420527', '429005']));
      expect(data.regionGroups.find((g) => g.label === '宜昌市')?.options.map((o) => o.code)).toContain('420527');
      const other = payload<Awaited<ReturnType<typeof newLoader>>>(await run(newLoader as RouteFn, app, get('/reports/new?province=360000', cookie)));
      expect(other.regionGroups.flatMap((g) => g.options.map((o) => o.code))).toContain('360781');
    });

    it('records the caller’s name only when a coordinator files on their behalf', async () => {
      const byCoordinator = await file(people.coordinator, { filedForName: '王大姐（电话）', cooperativeIds: [], productIds: [] });
      expect((await reportRow(byCoordinator)).filedForName).toBe('王大姐（电话）');
      const byMember = await file(people.member, { filedForName: '冒名', cooperativeIds: [qianjiangCoop], productIds: [] });
      expect((await reportRow(byMember)).filedForName).toBeNull();
    });

    it('limits how many reports one person files in an hour', async () => {
      const filer = await createUser(app.db, { displayName: '限流测试', email: 'limit-test@example.com', password: 'Long-Enough-Pass-2020', privacyConsentAt: START, now: START, roles: ['coordinator'] });
      const cookie = await signIn(app, filer.id);
      const fields = { kind: 'unsold', regionCode: '429005', summary: '滞销', contactName: '张三', contactPhone: '13800000000' };
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) statuses.push(statusOf(await run(newAction as RouteFn, app, post('/reports/new', fields, cookie))));
      expect(statuses.slice(0, 20).every((s) => s === 302)).toBe(true);
      expect(statuses[20]).toBe(429);
    });
  });

  describe('routing', () => {
    it('notifies every coordinator covering the report’s region or an ancestor of it, and nobody else', async () => {
      const local = await createUser(app.db, { displayName: '潜江协调员', email: 'coordinator-qianjiang@example.com', password: 'Long-Enough-Pass-2020', privacyConsentAt: START, now: START, roles: ['coordinator'] });
      await app.db.insert(coordinatorRegions).values({ userId: local.id, regionCode: '429005', isLead: true });
      const id = await file(people.staff);
      const routedTo = async (userId: string) => (await notificationsOf(userId, 'report.filed')).some((n) => n.link === `/reports/${id}`);
      expect(await routedTo(people.coordinator.id)).toBe(true);
      expect(await routedTo(local.id)).toBe(true);
      expect(await routedTo(people.otherCoordinator.id)).toBe(false);
      expect(await routedTo(people.admin.id)).toBe(false);
      const [routed] = await app.db.select().from(reportEvents).where(and(eq(reportEvents.reportId, id), eq(reportEvents.action, 'routed')));
      expect(new Set((routed!.data as { coordinatorUserIds: string[] }).coordinatorUserIds)).toEqual(new Set([people.coordinator.id, local.id]));
      // The local lead covers 潜江 only: a report in 宜昌 never reaches them.
      const elsewhere = await file(people.staff, { regionCode: '420527', cooperativeIds: [], productIds: [] });
      expect((await notificationsOf(local.id, 'report.filed')).some((n) => n.link === `/reports/${elsewhere}`)).toBe(false);
      await app.db.delete(coordinatorRegions).where(eq(coordinatorRegions.userId, local.id));
    });
  });

  describe('status transitions', () => {
    const EXPECTED: Record<ReportStatus, Partial<Record<StatusAction, ReportStatus>>> = {
      new: { acknowledge: 'acknowledged', reject: 'rejected' },
      acknowledged: { start: 'in_progress', reject: 'rejected' },
      in_progress: { resolve: 'resolved', reject: 'rejected' },
      resolved: {},
      rejected: {},
    };

    it('has one table: new → acknowledged → in progress → resolved, or rejected from any open status', () => {
      expect(REPORT_TRANSITIONS).toEqual(EXPECTED);
      for (const from of REPORT_STATUSES) for (const action of STATUS_ACTIONS) expect(nextReportStatus(from, action)).toBe(EXPECTED[from][action] ?? null);
    });

    it('applies exactly the table’s transitions to stored reports and refuses every other', async () => {
      for (const from of REPORT_STATUSES) {
        for (const action of STATUS_ACTIONS) {
          const id = await file(people.staff, { cooperativeIds: [], productIds: [] });
          await setStatus(id, from);
          const result = await transitionReport(app.db, { ...ctx(people.coordinator, id), action, reason: 'reason' });
          const to = EXPECTED[from][action];
          expect(result, `${from} --${action}-->`).toEqual(to ? { ok: true } : { ok: false, error: 'invalid_transition' });
          expect((await reportRow(id)).status).toBe(to ?? from);
        }
      }
    });

    it('needs a reason to reject, and keeps it', async () => {
      const id = await file(people.staff);
      const cookie = await signIn(app, people.coordinator.id);
      const noReason = await run(detailAction as RouteFn, app, post(`/reports/${id}`, { intent: 'reject' }, cookie), { id });
      expect(statusOf(noReason)).toBe(400);
      expect(payload<ReplyShape>(noReason).error?.reason).toEqual(['reports:errors.reasonRequired']);
      expect(await transitionReport(app.db, { ...ctx(people.coordinator, id), action: 'reject', reason: '  ' })).toEqual({ ok: false, error: 'invalid_transition' });
      const ok = await run(detailAction as RouteFn, app, post(`/reports/${id}`, { intent: 'reject', reason: '重复报告' }, cookie), { id });
      expect(statusOf(ok)).toBe(302);
      expect(await reportRow(id)).toMatchObject({ status: 'rejected', rejectionReason: '重复报告' });
    });

    it('stamps when a report was acknowledged and resolved, on the app’s clock', async () => {
      const id = await file(people.staff);
      clock = new Date(START.getTime() + 3 * HOUR);
      await transitionReport(app.db, { ...ctx(people.coordinator, id), action: 'acknowledge' });
      clock = new Date(START.getTime() + 5 * HOUR);
      await transitionReport(app.db, { ...ctx(people.coordinator, id), action: 'start' });
      clock = new Date(START.getTime() + 30 * HOUR);
      await transitionReport(app.db, { ...ctx(people.coordinator, id), action: 'resolve' });
      expect(await reportRow(id)).toMatchObject({ acknowledgedAt: new Date(START.getTime() + 3 * HOUR), resolvedAt: new Date(START.getTime() + 30 * HOUR), status: 'resolved' });
      clock = START;
    });

    it('assigns only to a coordinator covering the region, and never a closed report', async () => {
      const id = await file(people.staff);
      expect(await assignReport(app.db, { ...ctx(people.coordinator, id), assigneeUserId: people.otherCoordinator.id, department: 'transport' })).toEqual({ ok: false, error: 'invalid_assignee' });
      expect(await assignReport(app.db, { ...ctx(people.coordinator, id), assigneeUserId: people.coordinator.id, department: 'transport' })).toEqual({ ok: true });
      expect(await reportRow(id)).toMatchObject({ assigneeUserId: people.coordinator.id, department: 'transport' });
      await setStatus(id, 'resolved');
      expect(await assignReport(app.db, { ...ctx(people.coordinator, id), assigneeUserId: null, department: 'postal' })).toEqual({ ok: false, error: 'closed' });
    });
  });

  describe('comments and internal notes', () => {
    it('shows the reporter the comments but never the internal notes', async () => {
      const id = await file(people.staff);
      await addReportComment(app.db, { ...ctx(people.coordinator, id), body: '已联系交通部门开通绿色通道', internal: false });
      await addReportComment(app.db, { ...ctx(people.coordinator, id), body: '内部：先核实冷链车数量', internal: true });
      await addReportComment(app.db, { ...ctx(people.staff, id), body: '谢谢，等通知', internal: false });
      const asReporter = await getReportDetail(app.db, people.staff, id, { now: clock, ackTargetHours: 24 });
      expect(asReporter?.comments.map((c) => c.body)).toEqual(['已联系交通部门开通绿色通道', '谢谢，等通知']);
      expect(asReporter?.permissions.canNote).toBe(false);
      const asMember = await getReportDetail(app.db, people.member, id, { now: clock, ackTargetHours: 24 });
      expect(asMember?.comments.some((c) => c.internal)).toBe(false);
      const asCoordinator = await getReportDetail(app.db, people.coordinator, id, { now: clock, ackTargetHours: 24 });
      expect(asCoordinator?.comments.map((c) => [c.body, c.internal])).toEqual([
        ['已联系交通部门开通绿色通道', false],
        ['内部：先核实冷链车数量', true],
        ['谢谢，等通知', false],
      ]);
    });

    it('never lets the reporter’s side write an internal note', async () => {
      const id = await file(people.staff);
      expect(await addReportComment(app.db, { ...ctx(people.staff, id), body: '试试内部备注', internal: true })).toEqual({ ok: false, error: 'forbidden' });
      const cookie = await signIn(app, people.staff.id);
      expect(statusOf(await run(detailAction as RouteFn, app, post(`/reports/${id}`, { intent: 'note', body: '试试' }, cookie), { id }))).toBe(403);
    });
  });

  describe('history', () => {
    it('records who changed what and when, in order', async () => {
      const id = await file(people.staff);
      clock = new Date(START.getTime() + 1 * HOUR);
      await transitionReport(app.db, { ...ctx(people.coordinator, id), action: 'acknowledge' });
      clock = new Date(START.getTime() + 2 * HOUR);
      await assignReport(app.db, { ...ctx(people.coordinator, id), assigneeUserId: people.coordinator.id, department: 'postal' });
      clock = new Date(START.getTime() + 3 * HOUR);
      await transitionReport(app.db, { ...ctx(people.admin, id), action: 'start' });
      clock = START;
      const detail = await getReportDetail(app.db, people.staff, id, { now: clock, ackTargetHours: 24 });
      expect(detail?.events.map((e) => [e.action, e.actorName, e.createdAt.toISOString()])).toEqual([
        ['filed', '湖北省地理标志产品协会 工作人员（演示）', START.toISOString()],
        ['routed', null, START.toISOString()],
        ['status', '湖北协调员（演示）', new Date(START.getTime() + HOUR).toISOString()],
        ['assigned', '湖北协调员（演示）', new Date(START.getTime() + 2 * HOUR).toISOString()],
        ['status', '平台管理员（演示）', new Date(START.getTime() + 3 * HOUR).toISOString()],
      ]);
      expect(detail?.events[2]?.data).toEqual({ from: 'new', to: 'acknowledged' });
      expect(detail?.events[3]?.data).toMatchObject({ assigneeUserId: people.coordinator.id, department: 'postal', previousAssigneeUserId: null });
      expect(detail?.eventPeople[people.coordinator.id]).toBe('湖北协调员（演示）');
    });
  });

  describe('notifications on status changes', () => {
    it('tells the reporter and the assignee of every status change, in the app and by e-mail', async () => {
      const id = await file(people.staff);
      await assignReport(app.db, { ...ctx(people.admin, id), assigneeUserId: people.coordinator.id, department: 'transport' });
      const emailsBefore = await app.db.select({ id: jobs.id }).from(jobs).where(eq(jobs.kind, EMAIL_JOB));
      for (const action of ['acknowledge', 'start', 'resolve'] as const) {
        expect(await transitionReport(app.db, { ...ctx(people.admin, id), action })).toEqual({ ok: true });
      }
      for (const userId of [people.staff.id, people.coordinator.id]) {
        const status = (await notificationsOf(userId, 'report.status')).filter((n) => n.link === `/reports/${id}`);
        expect(status.map((n) => n.title)).toEqual(
          expect.arrayContaining([expect.stringContaining('已受理'), expect.stringContaining('处理中'), expect.stringContaining('已解决')]),
        );
        expect(status).toHaveLength(3);
      }
      const emails = (await app.db.select().from(jobs).where(eq(jobs.kind, EMAIL_JOB))).filter((j) => !emailsBefore.some((b) => b.id === j.id));
      const to = emails.map((e) => (e.payload as { to: string }).to);
      expect(to.filter((a) => a === people.staff.email)).toHaveLength(3);
      expect(to.filter((a) => a === people.coordinator.email)).toHaveLength(3);
      expect((emails[0]!.payload as { text: string }).text).toContain(`${ORIGIN}/reports/${id}`);
    });

    it('does not notify the person who made the change', async () => {
      const id = await file(people.staff);
      await assignReport(app.db, { ...ctx(people.coordinator, id), assigneeUserId: people.coordinator.id, department: null });
      await transitionReport(app.db, { ...ctx(people.coordinator, id), action: 'acknowledge' });
      expect((await notificationsOf(people.coordinator.id, 'report.status')).some((n) => n.link === `/reports/${id}`)).toBe(false);
      expect((await notificationsOf(people.staff.id, 'report.status')).some((n) => n.link === `/reports/${id}`)).toBe(true);
    });
  });

  describe('overdue escalation', () => {
    it('escalates a report still new past the target to the lead of its region or nearest ancestor, once', async () => {
      const runner = createJobRunner({
        db: app.db,
        handlers: { [REPORT_ESCALATION_JOB]: reportEscalationJobHandler({ ackTargetHours: 24, baseUrl: ORIGIN }) },
        now: () => clock,
        logger: pino({ level: 'silent' }),
        backoff: () => 0,
      });
      const base = new Date('2020-03-01T00:00:00Z');
      clock = base;
      const waiting = await file(people.staff);
      const answered = await file(people.staff);
      await transitionReport(app.db, { ...ctx(people.coordinator, answered), action: 'acknowledge' });
      const escalatedTo = async (reportId: string) => (await notificationsOf(people.coordinator.id, 'report.escalated')).filter((n) => n.link === `/reports/${reportId}`);

      clock = new Date(base.getTime() + 23 * HOUR);
      await runner.runDue();
      expect((await reportRow(waiting)).escalatedAt).toBeNull();

      clock = new Date(base.getTime() + 24 * HOUR + 60_000);
      await runner.runDue();
      expect((await reportRow(waiting)).escalatedAt).toEqual(clock);
      expect(await escalatedTo(waiting)).toHaveLength(1);
      expect((await reportRow(answered)).escalatedAt).toBeNull();
      expect(await escalatedTo(answered)).toHaveLength(0);

      clock = new Date(base.getTime() + 72 * HOUR);
      expect(await escalateOverdueReports(app.db, { now: clock, ackTargetHours: 24, baseUrl: ORIGIN })).toBe(0);
      expect(await escalatedTo(waiting)).toHaveLength(1);
      const [event] = await app.db.select().from(reportEvents).where(and(eq(reportEvents.reportId, waiting), eq(reportEvents.action, 'escalated')));
      expect(event?.data).toMatchObject({ leadUserId: people.coordinator.id });
      await runner.stop();
      clock = START;
    });

    it('prefers the lead of the nearest region with one', async () => {
      const countyLead = await createUser(app.db, { displayName: '秭归牵头', email: 'lead-zigui@example.com', password: 'Long-Enough-Pass-2020', privacyConsentAt: START, now: START, roles: ['coordinator'] });
      await app.db.insert(coordinatorRegions).values({ userId: countyLead.id, regionCode: '420527', isLead: true });
      clock = new Date('2020-03-05T00:00:00Z');
      const id = await file(people.staff, { regionCode: '420527', cooperativeIds: [], productIds: [] });
      clock = new Date(clock.getTime() + 25 * HOUR);
      expect(await escalateOverdueReports(app.db, { now: clock, ackTargetHours: 24, baseUrl: ORIGIN })).toBeGreaterThanOrEqual(1);
      expect((await notificationsOf(countyLead.id, 'report.escalated')).some((n) => n.link === `/reports/${id}`)).toBe(true);
      expect((await notificationsOf(people.coordinator.id, 'report.escalated')).some((n) => n.link === `/reports/${id}`)).toBe(false);
      await app.db.delete(coordinatorRegions).where(eq(coordinatorRegions.userId, countyLead.id));
      clock = START;
    });

    it('never escalates one report twice when two sweeps run at once', async () => {
      clock = new Date('2020-03-10T00:00:00Z');
      const id = await file(people.staff);
      const later = new Date(clock.getTime() + 30 * HOUR);
      const [a, b] = await Promise.all([
        escalateOverdueReports(app.db, { now: later, ackTargetHours: 24, baseUrl: ORIGIN }),
        escalateOverdueReports(app.db, { now: later, ackTargetHours: 24, baseUrl: ORIGIN }),
      ]);
      expect(a + b).toBeGreaterThanOrEqual(1);
      expect((await notificationsOf(people.coordinator.id, 'report.escalated')).filter((n) => n.link === `/reports/${id}`)).toHaveLength(1);
      clock = START;
    });
  });

  describe('the storefront', () => {
    it('shows a delay notice on products of the report’s region and every region below it, until resolved', async () => {
      const province = await file(people.coordinator, { regionCode: '420000', summary: '全省冷链运力紧张', cooperativeIds: [], productIds: [] });
      const county = await file(people.staff, { regionCode: '429005', summary: '潜江检查站排长队', cause: 'road_closure' });
      const summaries = async (code: string) => (await getOpenDelayNotices(app.db, code)).map((n) => n.summary);
      expect(await summaries('429005')).toEqual(expect.arrayContaining(['全省冷链运力紧张', '潜江检查站排长队']));
      expect(await summaries('420527')).toContain('全省冷链运力紧张');
      expect(await summaries('420527')).not.toContain('潜江检查站排长队');
      expect(await summaries('360781')).not.toContain('全省冷链运力紧张');

      await transitionReport(app.db, { ...ctx(people.coordinator, county), action: 'acknowledge' });
      expect(await summaries('429005')).toContain('潜江检查站排长队');
      await transitionReport(app.db, { ...ctx(people.coordinator, county), action: 'start' });
      await transitionReport(app.db, { ...ctx(people.coordinator, county), action: 'resolve' });
      expect(await summaries('429005')).not.toContain('潜江检查站排长队');
      await transitionReport(app.db, { ...ctx(people.coordinator, province), action: 'reject', reason: '已核实无影响' });
      expect(await summaries('429005')).not.toContain('全省冷链运力紧张');
    });

    it('never shows production difficulties or unsold goods as a delay', async () => {
      await file(people.staff, { kind: 'production_difficulty', cause: null, regionCode: '429005', summary: '饲料不够' });
      await file(people.staff, { kind: 'unsold', cause: null, regionCode: '429005', summary: '小龙虾滞销' });
      const summaries = (await getOpenDelayNotices(app.db, '429005')).map((n) => n.summary);
      expect(summaries).not.toContain('饲料不够');
      expect(summaries).not.toContain('小龙虾滞销');
    });

    it('gives checkout one notice per report, with the origins it affects', async () => {
      const id = await file(people.coordinator, { regionCode: '420000', summary: '湖北快递停运', cause: 'courier_suspended', cooperativeIds: [], productIds: [] });
      const notices = await getDelayNoticesForRegions(app.db, ['429005', '420527', '360781', 'nonsense']);
      const mine = notices.filter((n) => n.reportId === id);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.affectedRegionCodes.sort()).toEqual(['420527', '429005']);
      expect(mine[0]).toMatchObject({ regionName: '湖北省', regionCode: '420000', cause: 'courier_suspended' });
      await setStatus(id, 'resolved');
    });

    it('flags the products of open unsold reports with their loss date, soonest first', async () => {
      clock = new Date('2020-04-01T02:00:00Z');
      await app.db.update(logisticsReports).set({ status: 'resolved' }).where(eq(logisticsReports.kind, 'unsold'));
      const byDays = await file(people.staff, { kind: 'unsold', cause: null, productIds: [crayfishCooked], daysUntilLoss: 10, deadline: null, summary: '熟冻虾卖不动' });
      const byDeadline = await file(people.staff, { kind: 'unsold', cause: null, productIds: [crayfish], daysUntilLoss: null, deadline: '2020-04-05', summary: '活虾卖不动' });
      const flags = await listProductsFlaggedUnsold(app.db);
      const flagOf = (productId: number) => flags.find((f) => f.productId === productId);
      expect(flagOf(crayfish)?.reportIds).toContain(byDeadline);
      expect(flagOf(crayfishCooked)?.reportIds).toContain(byDays);
      expect(flags.findIndex((f) => f.productId === crayfish)).toBeLessThan(flags.findIndex((f) => f.productId === crayfishCooked));
      expect(flagOf(crayfish)?.deadline).toBe('2020-04-05');
      await setStatus(byDeadline, 'resolved');
      await setStatus(byDays, 'rejected');
      const after = await listProductsFlaggedUnsold(app.db);
      expect(after.find((f) => f.productId === crayfish)?.reportIds ?? []).not.toContain(byDeadline);
      expect(after.find((f) => f.productId === crayfishCooked)?.reportIds ?? []).not.toContain(byDays);
      clock = START;
    });
  });

  describe('who may see and do what', () => {
    type Role = keyof typeof people | 'anonymous';
    const ROLES: Role[] = ['anonymous', 'customer', 'member', 'otherMember', 'staff', 'otherStaff', 'coordinator', 'otherCoordinator', 'admin'];
    type Outcome = 'login' | 200 | 302 | 403 | 404;
    const row = (anonymous: Outcome, rest: Outcome[]): Record<Role, Outcome> => Object.fromEntries(ROLES.map((r, i) => [r, i === 0 ? anonymous : rest[i - 1]!])) as Record<Role, Outcome>;
    //                                          customer member otherMember staff otherStaff coordinator otherCoordinator admin
    const READ = row('login', [404, 200, 404, 200, 404, 200, 404, 200]);
    const COMMENT = row('login', [404, 302, 404, 302, 404, 302, 404, 302]);
    const TRIAGE = row('login', [404, 403, 404, 403, 404, 302, 404, 302]);
    const DESK = row('login', [403, 403, 403, 403, 403, 200, 200, 200]);
    const FILE = row('login', [403, 200, 200, 200, 200, 200, 200, 200]);
    const ANYONE = row('login', [200, 200, 200, 200, 200, 200, 200, 200]);
    const ANYONE_POST = row('login', [302, 302, 302, 302, 302, 302, 302, 302]);

    const cookies = {} as Record<Role, string | undefined>;
    let reportId: string;
    let attachmentId: number;

    beforeAll(async () => {
      for (const role of ROLES) cookies[role] = role === 'anonymous' ? undefined : await signIn(app, people[role].id);
      const cookie = cookies.staff;
      const response = (await run(
        newAction as RouteFn,
        app,
        post(
          '/reports/new',
          {
            kind: 'logistics_blocked',
            cause: 'labour_shortage',
            regionCode: '429005',
            summary: '缺人手分拣',
            contactName: '刘德明',
            contactPhone: '13900000001',
            cooperativeIds: String(qianjiangCoop),
            attachments: fileOf(MINIMAL_PDF, 'list.pdf', 'application/pdf'),
          },
          cookie,
          { multipart: true },
        ),
      )) as Response;
      reportId = /\/reports\/([0-9a-f-]{36})/.exec(response.headers.get('Location')!)![1]!;
      attachmentId = (await getReportDetail(app.db, people.staff, reportId, { now: clock, ackTargetHours: 24 }))!.attachments[0]!.id;
    });

    const outcome = (result: unknown): Outcome => {
      const status = statusOf(result);
      if (status === 302 && result instanceof Response && (result.headers.get('Location') ?? '').startsWith('/login')) return 'login';
      return status as Outcome;
    };

    async function check(name: string, expected: Record<Role, Outcome>, attempt: (role: Role) => Promise<unknown>) {
      const actual = {} as Record<Role, Outcome>;
      for (const role of ROLES) actual[role] = outcome(await attempt(role));
      expect(actual, name).toEqual(expected);
    }

    it('guards every report page', async () => {
      const params = { id: '' };
      await check('GET /reports/new', FILE, (role) => run(newLoader as RouteFn, app, get('/reports/new', cookies[role])));
      await check('GET /reports', ANYONE, (role) => run(listLoader as RouteFn, app, get('/reports', cookies[role])));
      params.id = reportId;
      await check('GET /reports/:id', READ, (role) => run(detailLoader as RouteFn, app, get(`/reports/${reportId}`, cookies[role]), { id: reportId }));
      await check('GET attachment', READ, (role) =>
        run(attachmentLoader as RouteFn, app, get(`/reports/${reportId}/attachments/${attachmentId}`, cookies[role]), { id: reportId, attachmentId: String(attachmentId) }),
      );
      await check('GET /coordinator', DESK, (role) => run(boardLoader as RouteFn, app, get('/coordinator', cookies[role])));
      await check('GET /coordinator/export', DESK, (role) => run(exportLoader as RouteFn, app, get('/coordinator/export', cookies[role])));
      await check('GET /notifications', ANYONE, (role) => run(notificationsLoader as RouteFn, app, get('/notifications', cookies[role])));
      await check('POST /notifications', ANYONE_POST, (role) => run(notificationsAction as RouteFn, app, post('/notifications', { intent: 'read-all' }, cookies[role])));
      await check('a report that does not exist', row('login', [404, 404, 404, 404, 404, 404, 404, 404]), (role) =>
        run(detailLoader as RouteFn, app, get('/reports/00000000-0000-4000-8000-000000000000', cookies[role]), { id: '00000000-0000-4000-8000-000000000000' }),
      );
    });

    const ACTIONS: { intent: string; from: ReportStatus; fields: Record<string, string>; expected: Record<Role, Outcome> }[] = [
      { intent: 'acknowledge', from: 'new', fields: {}, expected: TRIAGE },
      { intent: 'start', from: 'acknowledged', fields: {}, expected: TRIAGE },
      { intent: 'resolve', from: 'in_progress', fields: {}, expected: TRIAGE },
      { intent: 'reject', from: 'new', fields: { reason: '不属实' }, expected: TRIAGE },
      { intent: 'assign', from: 'new', fields: { department: 'transport' }, expected: TRIAGE },
      { intent: 'note', from: 'new', fields: { body: '内部备注' }, expected: TRIAGE },
      { intent: 'comment', from: 'new', fields: { body: '留言' }, expected: COMMENT },
    ];

    for (const { intent, from, fields, expected } of ACTIONS) {
      it(`lets only the right people ${intent} a report`, async () => {
        await check(`POST ${intent}`, expected, async (role) => {
          const id = await file(people.staff);
          await setStatus(id, from);
          return run(detailAction as RouteFn, app, post(`/reports/${id}`, { intent, ...fields }, cookies[role]), { id });
        });
      });
    }

    it('shows each coordinator only the reports of the regions they cover, on the board and in the export', async () => {
      // Assigned, so a filter narrows the board to a page that must hold it.
      await assignReport(app.db, { ...ctx(people.admin, reportId), assigneeUserId: people.coordinator.id, department: null });
      const query = `/coordinator?kind=logistics_blocked&assignee=${people.coordinator.id}`;
      const board = async (role: Role) => payload<Awaited<ReturnType<typeof boardLoader>>>(await run(boardLoader as RouteFn, app, get(query, cookies[role])));
      expect((await board('coordinator')).reports.map((r) => r.id)).toContain(reportId);
      expect((await board('admin')).reports.map((r) => r.id)).toContain(reportId);
      expect((await board('otherCoordinator')).reports.map((r) => r.id)).not.toContain(reportId);
      const csv = async (role: Role) => ((await run(exportLoader as RouteFn, app, get('/coordinator/export', cookies[role]))) as Response).text();
      expect(await csv('coordinator')).toContain('缺人手分拣');
      expect(await csv('otherCoordinator')).not.toContain('缺人手分拣');
    });
  });
});

import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { associationMembers, associations, auditEvents, cooperativeInvitations, cooperativeMembers, cooperatives, jobs, users } from '~/db/schema';
import { seedDemoData } from '~/models/demo-seed.server';
import { createUser } from '~/models/user.server';
import { action as membersAction, loader as membersLoader } from '~/routes/coop.$coop.members/route';
import { action as registerAction, loader as registerLoader } from '~/routes/coop.register/route';
import { action as invitationAction, loader as invitationLoader } from '~/routes/invitations.$token/route';
import { action as decideAction, loader as decideLoader } from '~/routes/review.cooperatives.$id/route';
import { loader as reviewLoader } from '~/routes/review._index/route';
import type { AppContext } from '~/utils/context.server';
import { withCheckCharacter } from '~/utils/credit-code';
import { EMAIL_JOB, type EmailMessage } from '~/utils/mail.server';
import { insertSession, serializeSessionCookie, sha256Hex } from '~/utils/session.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

type Handler = (args: { request: Request; params: Record<string, string>; context: { app: AppContext } }) => unknown;
type Payload = { status?: string; error?: Record<string, string[] | null>; inviteLink?: string; state?: string; signedIn?: boolean; matches?: boolean };

const DEMO = 'demo.dibiao.example';
const DAY = 86_400_000;

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

function statusOf(result: unknown): number {
  if (result instanceof Response) return result.status;
  return (result as { init?: ResponseInit | null }).init?.status ?? 200;
}

function payloadOf(result: unknown): Payload {
  expect(result).not.toBeInstanceOf(Response);
  const value = result as { type?: string; data?: unknown };
  return (value.type === 'DataWithResponseInit' ? value.data : result) as Payload;
}

function locationOf(result: unknown): string {
  expect(result).toBeInstanceOf(Response);
  expect((result as Response).status).toBe(302);
  return (result as Response).headers.get('Location')!;
}

let counter = 0;
const uniqueMobile = () => `136${String(process.pid % 1e4).padStart(4, '0')}${String(++counter).padStart(4, '0')}`;
/** A fresh valid credit code for a cooperative in `region`. */
const creditCode = (region = '420527') => withCheckCharacter(`93${region}MA${String(9_000_000 + ++counter).slice(-7)}`);
/** The same code with a wrong check character. */
const withWrongCheck = (code: string) => code.slice(0, 17) + (code[17] === '0' ? '1' : '0');

describeEachDriver('cooperative onboarding', (t) => {
  let clock = new Date('2020-02-20T02:00:00Z');
  let app: AppContext;

  beforeAll(async () => {
    app = createTestApp(t.database, { PUBLIC_URL: 'https://dibiao.example' }, () => clock);
    await seedDemoData(app.db, clock);
  });

  async function cookieFor(userId: string) {
    const sessionId = await insertSession(app.db, { userId, now: clock });
    return (await serializeSessionCookie(get('/'), app.sessionSecret, sessionId)).split(';')[0]!;
  }
  async function signIn(email: string) {
    const [user] = await app.db.select().from(users).where(eq(users.email, email));
    return { userId: user!.id, cookie: await cookieFor(user!.id) };
  }
  async function newUser(contact: { email?: string; mobile?: string } = {}) {
    const user = await createUser(app.db, { displayName: '新成员', mobile: contact.mobile ?? uniqueMobile(), email: contact.email, password: 'unused-password-2020', privacyConsentAt: clock, now: clock });
    return { userId: user.id, cookie: await cookieFor(user.id) };
  }
  const registration = (overrides: Record<string, string> = {}) => ({
    legalName: '秭归县屈乡脐橙专业合作社（测试）',
    creditCode: creditCode(),
    regionCode: '420527',
    address: '湖北省宜昌市秭归县茅坪镇测试路 1 号',
    legalRepresentative: '屈测试',
    businessScope: '组织收购、销售成员生产的脐橙。',
    contactName: '屈测试',
    contactPhone: '0717-1234567',
    ...overrides,
  });
  /** Registers a cooperative as a new user; returns the owner and the cooperative. */
  async function register(overrides: Record<string, string> = {}) {
    const owner = await newUser();
    const result = await call(app, registerAction, post('/coop/register', registration(overrides), owner.cookie));
    const slug = /^\/coop\/([^/]+)\/members\?registered=1$/.exec(locationOf(result))![1]!;
    const [cooperative] = await app.db.select().from(cooperatives).where(eq(cooperatives.slug, slug));
    return { owner, cooperative: cooperative! };
  }
  const auditOf = (action: string, entityId: string | number) =>
    app.db.select().from(auditEvents).where(and(eq(auditEvents.action, action), eq(auditEvents.entityId, String(entityId))));
  const emailsTo = async (to: string) =>
    (await app.db.select().from(jobs).where(eq(jobs.kind, EMAIL_JOB))).map((j) => j.payload as EmailMessage).filter((m) => m.to === to);

  describe('registration', () => {
    it('refuses a credit code whose check character is wrong, saying that the check character is wrong', async () => {
      const { cookie } = await newUser();
      const result = await call(app, registerAction, post('/coop/register', registration({ creditCode: withWrongCheck(creditCode()) }), cookie));
      expect(statusOf(result)).toBe(400);
      expect(payloadOf(result).error?.creditCode).toEqual(['onboarding:errors.creditCodeChecksum']);
    });

    it('refuses a credit code of the wrong shape with a format message, and accepts lower case and spaces', async () => {
      const { cookie } = await newUser();
      for (const bad of ['12345', '93420527MA0000O01X', '']) {
        const result = await call(app, registerAction, post('/coop/register', registration({ creditCode: bad }), cookie));
        expect(statusOf(result)).toBe(400);
        expect(payloadOf(result).error?.creditCode?.[0]).toMatch(/^onboarding:errors\.creditCode(Format|Required)$/);
      }
      const code = creditCode();
      const spaced = `${code.slice(0, 6)} ${code.slice(6)}`.toLowerCase();
      const result = await call(app, registerAction, post('/coop/register', registration({ creditCode: spaced }), cookie));
      expect(statusOf(result)).toBe(302);
      const [row] = await app.db.select().from(cooperatives).where(eq(cooperatives.creditCode, code));
      expect(row?.creditCode).toBe(code);
    });

    it('refuses a region that is unknown or has subdivisions (a cooperative sits in a county)', async () => {
      const { cookie } = await newUser();
      for (const regionCode of ['420000', '420500', '999999', 'abc']) {
        const result = await call(app, registerAction, post('/coop/register', registration({ regionCode }), cookie));
        expect(statusOf(result)).toBe(400);
        expect(payloadOf(result).error?.regionCode).toEqual(['onboarding:errors.regionRequired']);
      }
    });

    it('shows the region choice step by step without scripts, ignoring a city outside the chosen province', async () => {
      const { cookie } = await newUser();
      const step = async (query: string) => payloadOf(await call(app, registerLoader, get(`/coop/register${query}`, cookie))) as unknown as {
        cities: { code: string }[];
        counties: { code: string }[];
        selected: { code: string; label: string } | null;
      };
      const hubei = await step('?province=420000');
      expect(hubei.cities.map((c) => c.code)).toContain('420500');
      // 潜江 is a county-level city straight under the province: choosing it completes the choice.
      expect(hubei.cities.map((c) => c.code)).toContain('429005');
      expect(hubei.selected).toBeNull();
      expect((await step('?province=420000&city=429005')).selected?.code).toBe('429005');
      const zigui = await step('?province=420000&city=420500&county=420527');
      expect(zigui.selected).toEqual({ code: '420527', label: '湖北省 · 宜昌市 · 秭归县' });
      const stale = await step('?province=360000&city=420500&county=420527');
      expect(stale.counties).toEqual([]);
      expect(stale.selected).toBeNull();
    });

    it('sends a visitor to log in first', async () => {
      const result = await call(app, registerLoader, get('/coop/register'));
      expect(locationOf(result)).toBe('/login?redirectTo=%2Fcoop%2Fregister');
    });

    it('registers a pending cooperative owned by the registering user, audited', async () => {
      const { owner, cooperative } = await register();
      expect(cooperative.verificationStatus).toBe('pending');
      expect(cooperative.slug).toMatch(/^zi-gui-xian-qu-xiang-qi-cheng/);
      const members = await app.db.select().from(cooperativeMembers).where(eq(cooperativeMembers.cooperativeId, cooperative.id));
      expect(members).toEqual([expect.objectContaining({ userId: owner.userId, role: 'owner' })]);
      const [audit] = await auditOf('cooperative.registered', cooperative.id);
      expect(audit?.actorUserId).toBe(owner.userId);
    });

    it('refuses a credit code that is already registered', async () => {
      const { cooperative } = await register();
      const { cookie } = await newUser();
      const result = await call(app, registerAction, post('/coop/register', registration({ creditCode: cooperative.creditCode }), cookie));
      expect(statusOf(result)).toBe(400);
      expect(payloadOf(result).error?.creditCode).toEqual(['onboarding:errors.creditCodeTaken']);
    });
  });

  describe('verification', () => {
    const decide = async (id: number, fields: Record<string, string>, cookie: string) =>
      call(app, decideAction, post(`/review/cooperatives/${id}`, fields, cookie), { id: String(id) });

    it('is never done by the cooperative’s own member, even one who is staff of the covering association', async () => {
      const { owner, cooperative } = await register();
      expect(statusOf(await decide(cooperative.id, { intent: 'verify' }, owner.cookie))).toBe(403);
      const [hubei] = await app.db.select().from(associations).where(eq(associations.slug, 'hubei-gi-association'));
      await app.db.insert(associationMembers).values({ associationId: hubei!.id, userId: owner.userId });
      const staffOwner = { ...owner, cookie: await cookieFor(owner.userId) };
      expect(statusOf(await call(app, decideLoader, get(`/review/cooperatives/${cooperative.id}`, staffOwner.cookie), { id: String(cooperative.id) }))).toBe(403);
      expect(statusOf(await decide(cooperative.id, { intent: 'verify' }, staffOwner.cookie))).toBe(403);
      const desk = payloadOf(await call(app, reviewLoader, get('/review', staffOwner.cookie))) as unknown as { cooperatives: { id: number }[] };
      expect(desk.cooperatives.length).toBeGreaterThan(0);
      expect(desk.cooperatives.map((c) => c.id)).not.toContain(cooperative.id);
      const [row] = await app.db.select().from(cooperatives).where(eq(cooperatives.id, cooperative.id));
      expect(row?.verificationStatus).toBe('pending');
    });

    it('is refused to staff of an association that does not cover the region, and to coordinators', async () => {
      const { cooperative } = await register();
      for (const email of [`association-gannan@${DEMO}`, `coordinator-hubei@${DEMO}`, `customer@${DEMO}`]) {
        const { cookie } = await signIn(email);
        expect(statusOf(await decide(cooperative.id, { intent: 'verify' }, cookie)), email).toBe(403);
      }
      const [row] = await app.db.select().from(cooperatives).where(eq(cooperatives.id, cooperative.id));
      expect(row?.verificationStatus).toBe('pending');
      expect(await auditOf('cooperative.verified', cooperative.id)).toEqual([]);
    });

    it('is done by staff of the association covering the region: status, audit, search sync and the members’ e-mail in one go', async () => {
      const { owner, cooperative } = await register();
      const [ownerRow] = await app.db.select().from(users).where(eq(users.id, owner.userId));
      await app.db.update(users).set({ email: `owner-${cooperative.id}@example.com` }).where(eq(users.id, ownerRow!.id));
      const staff = await signIn(`association-hubei@${DEMO}`);
      const overview = payloadOf(await call(app, reviewLoader, get('/review', staff.cookie))) as unknown as { cooperatives: { id: number }[] };
      expect(overview.cooperatives.map((c) => c.id)).toContain(cooperative.id);
      const gannan = await signIn(`association-gannan@${DEMO}`);
      const elsewhere = payloadOf(await call(app, reviewLoader, get('/review', gannan.cookie))) as unknown as { cooperatives: { id: number }[] };
      expect(elsewhere.cooperatives.map((c) => c.id)).not.toContain(cooperative.id);

      const result = await decide(cooperative.id, { intent: 'verify', reason: '执照已核对' }, staff.cookie);
      expect(locationOf(result)).toBe(`/review/cooperatives/${cooperative.id}?decided=verify`);
      const [row] = await app.db.select().from(cooperatives).where(eq(cooperatives.id, cooperative.id));
      expect(row).toMatchObject({ verificationStatus: 'verified', verifiedBy: staff.userId, verificationNote: '执照已核对' });
      const [audit] = await auditOf('cooperative.verified', cooperative.id);
      expect(audit).toMatchObject({ actorUserId: staff.userId, data: { from: 'pending', to: 'verified', reason: '执照已核对' } });
      const [mail] = await emailsTo(`owner-${cooperative.id}@example.com`);
      expect(mail?.text).toContain('https://dibiao.example/coop/');
    });

    it('is done by an admin, who can also reject with a reason and suspend a verified one', async () => {
      const admin = await signIn(`admin@${DEMO}`);
      const first = await register();
      const noReason = await decide(first.cooperative.id, { intent: 'reject' }, admin.cookie);
      expect(statusOf(noReason)).toBe(400);
      expect(payloadOf(noReason).error?.reason).toEqual(['onboarding:errors.reasonRequired']);
      expect(statusOf(await decide(first.cooperative.id, { intent: 'reject', reason: '信用代码与执照不符' }, admin.cookie))).toBe(302);
      expect(await auditOf('cooperative.rejected', first.cooperative.id)).toHaveLength(1);

      const second = await register();
      expect(statusOf(await decide(second.cooperative.id, { intent: 'verify' }, admin.cookie))).toBe(302);
      expect(statusOf(await decide(second.cooperative.id, { intent: 'suspend', reason: '抽检不合格' }, admin.cookie))).toBe(302);
      const [row] = await app.db.select().from(cooperatives).where(eq(cooperatives.id, second.cooperative.id));
      expect(row?.verificationStatus).toBe('suspended');
      expect(await auditOf('cooperative.suspended', second.cooperative.id)).toHaveLength(1);
    });

    it('refuses a decision the current status does not allow, such as suspending a pending cooperative', async () => {
      const admin = await signIn(`admin@${DEMO}`);
      const { cooperative } = await register();
      const result = await decide(cooperative.id, { intent: 'suspend', reason: '无' }, admin.cookie);
      expect(statusOf(result)).toBe(409);
      expect(payloadOf(result).error?.['']).toEqual(['onboarding:errors.staleDecision']);
    });

    it('queues a search sync for the cooperative’s products when its verification changes', async () => {
      const admin = await signIn(`admin@${DEMO}`);
      const [zigui] = await app.db.select().from(cooperatives).where(eq(cooperatives.slug, 'zigui-chengxiang'));
      const before = await app.db.select({ n: sql<number>`count(*)::int` }).from(jobs).where(eq(jobs.kind, 'search.sync'));
      expect(statusOf(await decide(zigui!.id, { intent: 'suspend', reason: '测试暂停' }, admin.cookie))).toBe(302);
      const after = await app.db.select({ n: sql<number>`count(*)::int` }).from(jobs).where(eq(jobs.kind, 'search.sync'));
      expect(Number(after[0]!.n)).toBe(Number(before[0]!.n) + 1);
      expect(statusOf(await decide(zigui!.id, { intent: 'verify' }, admin.cookie))).toBe(302);
    });
  });

  describe('invitations', () => {
    const invite = (slug: string, contact: string, cookie: string) => call(app, membersAction, post(`/coop/${slug}/members`, { intent: 'invite', contact }, cookie), { coop: slug });
    const tokenFromMail = (mail: EmailMessage | undefined) => /\/invitations\/([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')![1]!;

    it('e-mails a link whose token is stored only as its SHA-256, accepted once by the invited address', async () => {
      const { owner, cooperative } = await register();
      const email = `invitee-${cooperative.id}@example.com`;
      expect(locationOf(await invite(cooperative.slug, email, owner.cookie))).toBe(`/coop/${cooperative.slug}/members?invited=email`);
      const [mail] = await emailsTo(email);
      expect(mail?.text).toContain(`https://dibiao.example/invitations/`);
      const token = tokenFromMail(mail);
      const [row] = await app.db.select().from(cooperativeInvitations).where(eq(cooperativeInvitations.cooperativeId, cooperative.id));
      expect(row?.tokenHash).toBe(sha256Hex(token));
      expect(row?.tokenHash).not.toContain(token);
      expect(row?.expiresAt.getTime()).toBe(clock.getTime() + 7 * DAY);

      const visitor = payloadOf(await call(app, invitationLoader, get(`/invitations/${token}`), { token }));
      expect(visitor).toMatchObject({ state: 'open', signedIn: false, matches: false });

      const stranger = await newUser({ email: `stranger-${cooperative.id}@example.com` });
      expect(payloadOf(await call(app, invitationLoader, get(`/invitations/${token}`, stranger.cookie), { token }))).toMatchObject({ matches: false });
      expect(statusOf(await call(app, invitationAction, post(`/invitations/${token}`, {}, stranger.cookie), { token }))).toBe(403);

      const invitee = await newUser({ email: email.toUpperCase() });
      expect(payloadOf(await call(app, invitationLoader, get(`/invitations/${token}`, invitee.cookie), { token }))).toMatchObject({ matches: true });
      expect(locationOf(await call(app, invitationAction, post(`/invitations/${token}`, {}, invitee.cookie), { token }))).toBe(
        `/coop/${cooperative.slug}/members?joined=1`,
      );
      const members = await app.db.select().from(cooperativeMembers).where(eq(cooperativeMembers.cooperativeId, cooperative.id));
      expect(members.map((m) => [m.userId, m.role])).toContainEqual([invitee.userId, 'member']);
      expect(members.map((m) => m.userId)).not.toContain(stranger.userId);
      expect(await auditOf('cooperative.member_joined', cooperative.id)).toHaveLength(1);

      // Single use: neither the invitee again nor anyone else gets in with it.
      expect(statusOf(await call(app, invitationAction, post(`/invitations/${token}`, {}, invitee.cookie), { token }))).toBe(410);
      expect(statusOf(await call(app, invitationLoader, get(`/invitations/${token}`, invitee.cookie), { token }))).toBe(410);
    });

    it('stops working after 7 days', async () => {
      const { owner, cooperative } = await register();
      const email = `late-${cooperative.id}@example.com`;
      await invite(cooperative.slug, email, owner.cookie);
      const token = tokenFromMail((await emailsTo(email))[0]);
      const invitee = await newUser({ email });
      const saved = clock;
      try {
        clock = new Date(saved.getTime() + 7 * DAY + 60_000);
        // A week idle ends the session too: sign in afresh.
        const cookie = await cookieFor(invitee.userId);
        expect(payloadOf(await call(app, invitationLoader, get(`/invitations/${token}`, cookie), { token }))).toMatchObject({ state: 'expired' });
        expect(statusOf(await call(app, invitationAction, post(`/invitations/${token}`, {}, cookie), { token }))).toBe(410);
      } finally {
        clock = saved;
      }
      const members = await app.db.select().from(cooperativeMembers).where(eq(cooperativeMembers.cooperativeId, cooperative.id));
      expect(members.map((m) => m.userId)).not.toContain(invitee.userId);
    });

    it('shows the link once for a mobile invitation, accepted only by the account with that mobile', async () => {
      const { owner, cooperative } = await register();
      const mobile = uniqueMobile();
      const result = await invite(cooperative.slug, `+86 ${mobile.slice(0, 3)}-${mobile.slice(3)}`, owner.cookie);
      const link = payloadOf(result).inviteLink!;
      expect(link).toMatch(/^https:\/\/dibiao\.example\/invitations\/[A-Za-z0-9_-]{43}$/);
      const token = link.split('/').pop()!;
      const other = await newUser();
      expect(statusOf(await call(app, invitationAction, post(`/invitations/${token}`, {}, other.cookie), { token }))).toBe(403);
      const invitee = await newUser({ mobile });
      expect(statusOf(await call(app, invitationAction, post(`/invitations/${token}`, {}, invitee.cookie), { token }))).toBe(302);
    });

    it('refuses an invalid contact and an existing member', async () => {
      const { owner, cooperative } = await register();
      const bad = await invite(cooperative.slug, 'not a contact', owner.cookie);
      expect(payloadOf(bad).error?.contact).toEqual(['onboarding:errors.contactInvalid']);
      const [ownerRow] = await app.db.select().from(users).where(eq(users.id, owner.userId));
      const self = await invite(cooperative.slug, ownerRow!.mobile!, owner.cookie);
      expect(payloadOf(self).error?.contact).toEqual(['onboarding:errors.alreadyMember']);
    });

    it('is sent only by an owner (or admin), not by a plain member', async () => {
      const { owner, cooperative } = await register();
      const mobile = uniqueMobile();
      const link = payloadOf(await invite(cooperative.slug, mobile, owner.cookie)).inviteLink!;
      const member = await newUser({ mobile });
      const token = link.split('/').pop()!;
      await call(app, invitationAction, post(`/invitations/${token}`, {}, member.cookie), { token });
      const memberCookie = await cookieFor(member.userId);
      expect(statusOf(await invite(cooperative.slug, uniqueMobile(), memberCookie))).toBe(403);
      const page = payloadOf(await call(app, membersLoader, get(`/coop/${cooperative.slug}/members`, memberCookie), { coop: cooperative.slug })) as unknown as {
        canManageMembers: boolean;
        invitations: unknown[];
      };
      expect(page).toMatchObject({ canManageMembers: false, invitations: [] });
    });
  });

  describe('access between cooperatives', () => {
    it('never shows cooperative A’s members to a member of B, nor lets B act on A’s rows by posting their ids', async () => {
      const a = await register();
      const b = await register({ legalName: '秭归县另一家脐橙专业合作社（测试）' });
      const aMember = await newUser();
      await app.db.insert(cooperativeMembers).values({ cooperativeId: a.cooperative.id, userId: aMember.userId, role: 'member' });
      const mobile = uniqueMobile();
      await call(app, membersAction, post(`/coop/${a.cooperative.slug}/members`, { intent: 'invite', contact: mobile }, a.owner.cookie), { coop: a.cooperative.slug });
      const [aInvitation] = await app.db.select().from(cooperativeInvitations).where(eq(cooperativeInvitations.cooperativeId, a.cooperative.id));

      const aSlug = { coop: a.cooperative.slug };
      const bSlug = { coop: b.cooperative.slug };
      expect(statusOf(await call(app, membersLoader, get(`/coop/${a.cooperative.slug}/members`, b.owner.cookie), aSlug))).toBe(404);
      for (const fields of [
        { intent: 'remove', userId: aMember.userId } as Record<string, string>,
        { intent: 'cancel', invitationId: String(aInvitation!.id) },
        { intent: 'invite', contact: uniqueMobile() },
      ]) {
        expect(statusOf(await call(app, membersAction, post(`/coop/${a.cooperative.slug}/members`, fields, b.owner.cookie), aSlug)), fields.intent).toBe(404);
      }
      // Through B's own page, A's ids find nothing.
      expect(statusOf(await call(app, membersAction, post(`/coop/${b.cooperative.slug}/members`, { intent: 'remove', userId: aMember.userId }, b.owner.cookie), bSlug))).toBe(404);
      expect(
        statusOf(await call(app, membersAction, post(`/coop/${b.cooperative.slug}/members`, { intent: 'cancel', invitationId: String(aInvitation!.id) }, b.owner.cookie), bSlug)),
      ).toBe(404);

      const members = await app.db.select().from(cooperativeMembers).where(eq(cooperativeMembers.cooperativeId, a.cooperative.id));
      expect(members.map((m) => m.userId)).toContain(aMember.userId);
      const invitations = await app.db.select().from(cooperativeInvitations).where(eq(cooperativeInvitations.cooperativeId, a.cooperative.id));
      expect(invitations).toHaveLength(1);
      const bInvitations = await app.db.select().from(cooperativeInvitations).where(eq(cooperativeInvitations.cooperativeId, b.cooperative.id));
      expect(bInvitations).toHaveLength(0);
    });

    it('lets A’s owner remove a member and withdraw an invitation', async () => {
      const a = await register();
      const aMember = await newUser();
      await app.db.insert(cooperativeMembers).values({ cooperativeId: a.cooperative.id, userId: aMember.userId, role: 'member' });
      const slug = { coop: a.cooperative.slug };
      expect(locationOf(await call(app, membersAction, post(`/coop/${a.cooperative.slug}/members`, { intent: 'remove', userId: aMember.userId }, a.owner.cookie), slug))).toContain(
        'removed=1',
      );
      // The owner is never removed this way.
      expect(statusOf(await call(app, membersAction, post(`/coop/${a.cooperative.slug}/members`, { intent: 'remove', userId: a.owner.userId }, a.owner.cookie), slug))).toBe(404);
      const members = await app.db.select().from(cooperativeMembers).where(eq(cooperativeMembers.cooperativeId, a.cooperative.id));
      expect(members.map((m) => m.userId)).toEqual([a.owner.userId]);
      expect(await auditOf('cooperative.member_removed', a.cooperative.id)).toHaveLength(1);
    });
  });
});

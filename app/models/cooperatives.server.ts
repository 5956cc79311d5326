/**
 * Cooperatives joining the zone: registration (the registering user becomes the owner),
 * verification by an admin or by staff of an association covering the cooperative's region,
 * invitations of members by e-mail or mobile, and the member list.
 */
import { and, asc, desc, eq, gt, ilike, isNull, or, sql, type SQL } from 'drizzle-orm';
import { pinyin } from 'pinyin-pro';
import { cooperativeInvitations, cooperativeMembers, cooperatives, users, type Cooperative } from '~/db/schema';
import { isLocale } from '~/locales';
import { queryRows, type Db } from '~/utils/db.server';
import { createI18n } from '~/utils/i18n';
import { enqueueEmail } from '~/utils/mail.server';
import { canAcceptInvitation, type MemberRole } from '~/utils/permissions-onboarding.server';
import { canVerifyCooperative, isAdmin, type Actor } from '~/utils/permissions.server';
import { randomToken, sha256Hex } from '~/utils/session.server';
import { recordAudit } from './audit.server';
import { formatRegionPath, getRegionPath, listChildRegions } from './regions.server';
import { enqueueSearchSync, productIdsOfCooperative } from './search-sync.server';
import type { Account } from './user.server';

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The origin for links in e-mail: PUBLIC_URL when set, since a forged Host header would otherwise
 * send a token to someone else's site; the request's origin in development.
 */
export function emailBaseUrl(env: { PUBLIC_URL?: string }, request: Request): string {
  return env.PUBLIC_URL ?? new URL(request.url).origin;
}

export type VerificationStatus = Cooperative['verificationStatus'];
type SignedIn = NonNullable<Actor>;

/** The constraint name of a unique violation (23505) from either driver, else null. */
function uniqueViolation(error: unknown): string | null {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const { code, constraint, constraint_name } = e as { code?: string; constraint?: string; constraint_name?: string };
    if (code === '23505') return constraint ?? constraint_name ?? '';
  }
  return null;
}

// ---------------------------------------------------------------- regions for the register form

export interface RegionOption {
  code: string;
  name: string;
}

export interface RegionCascade {
  provinces: RegionOption[];
  province: string | null;
  cities: RegionOption[];
  city: string | null;
  counties: RegionOption[];
  county: string | null;
  /** The chosen region once it has no subdivisions (a county-level unit, usually). */
  selected: { code: string; label: string } | null;
}

const option = (r: { code: string; name: string }): RegionOption => ({ code: r.code, name: r.name });

/**
 * The province → city → county choice, one level per GET step so it works without JavaScript.
 * A choice that does not belong under the level above is ignored (the visitor changed province).
 */
export async function getRegionCascade(db: Db, chosen: { province?: string | null; city?: string | null; county?: string | null }): Promise<RegionCascade> {
  const provinces = (await listChildRegions(db, null)).map(option);
  const result: RegionCascade = { provinces, province: null, cities: [], city: null, counties: [], county: null, selected: null };
  let leaf: string | null = null;
  const province = provinces.find((p) => p.code === chosen.province);
  if (province) {
    result.province = province.code;
    result.cities = (await listChildRegions(db, province.code)).map(option);
    if (result.cities.length === 0) leaf = province.code;
    const city = result.cities.find((c) => c.code === chosen.city);
    if (city) {
      result.city = city.code;
      result.counties = (await listChildRegions(db, city.code)).map(option);
      if (result.counties.length === 0) leaf = city.code;
      const county = result.counties.find((c) => c.code === chosen.county);
      if (county) leaf = result.county = county.code;
    }
  }
  if (leaf) result.selected = { code: leaf, label: formatRegionPath(await getRegionPath(db, leaf)) };
  return result;
}

/** True when the region exists and has no subdivisions, so a cooperative can sit there. */
export async function isLeafRegion(db: Db, code: string): Promise<boolean> {
  const [row] = await queryRows<{ ok: boolean }>(
    db,
    sql`select exists (select 1 from regions r where r.code = ${code} and not exists (select 1 from regions c where c.parent_code = r.code)) as ok`,
  );
  return Boolean(row?.ok);
}

// ---------------------------------------------------------------- registration

export interface CooperativeRegistration {
  legalName: string;
  creditCode: string;
  regionCode: string;
  address: string;
  legalRepresentative: string;
  businessScope: string;
  contactName: string;
  contactPhone: string;
  contactEmail?: string | null;
  description?: string;
}

const LEGAL_SUFFIX = /(农民)?(专业)?合作社(联合社)?$|(股份)?有限(责任)?公司$|[（(][^）)]*[）)]$/;

/** A readable URL slug from the legal name's pinyin: 秭归县橙乡脐橙专业合作社 → zi-gui-xian-cheng-xiang-qi-cheng. */
export function slugFromName(legalName: string): string {
  let name = legalName.trim();
  for (let previous = ''; previous !== name; ) {
    previous = name;
    name = name.replace(LEGAL_SUFFIX, '').trim();
  }
  const latin = pinyin(name || legalName, { toneType: 'none', separator: '-', nonZh: 'consecutive' })
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const short = latin.length > 48 ? latin.slice(0, 48).replace(/-[^-]*$/, '') : latin;
  // Never only digits, so a slug can never be mistaken for an id.
  return /^[0-9-]*$/.test(short) ? `coop-${short || 'new'}`.replace(/-$/, '') : short;
}

async function freeSlug(db: Db, base: string): Promise<string> {
  const rows = await db
    .select({ slug: cooperatives.slug })
    .from(cooperatives)
    .where(or(eq(cooperatives.slug, base), sql`${cooperatives.slug} like ${`${base}-%`}`));
  const taken = new Set(rows.map((r) => r.slug));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

export type RegisterResult = { ok: true; cooperative: Cooperative } | { ok: false; error: 'credit_code_taken' | 'region_invalid' };

/** Registers a cooperative, pending verification, with the registering user as its owner. */
export async function registerCooperative(
  db: Db,
  { ownerUserId, input, now }: { ownerUserId: string; input: CooperativeRegistration; now: Date },
): Promise<RegisterResult> {
  const creditCode = input.creditCode.trim().toUpperCase();
  if (!(await isLeafRegion(db, input.regionCode))) return { ok: false, error: 'region_invalid' };
  const [existing] = await db.select({ id: cooperatives.id }).from(cooperatives).where(eq(cooperatives.creditCode, creditCode));
  if (existing) return { ok: false, error: 'credit_code_taken' };
  const slug = await freeSlug(db, slugFromName(input.legalName));
  try {
    const cooperative = await db.transaction(async (transaction) => {
      const tx = transaction as unknown as Db;
      const [row] = await tx
        .insert(cooperatives)
        .values({
          slug,
          legalName: input.legalName.trim(),
          creditCode,
          regionCode: input.regionCode,
          address: input.address.trim(),
          legalRepresentative: input.legalRepresentative.trim(),
          businessScope: input.businessScope.trim(),
          contactName: input.contactName.trim(),
          contactPhone: input.contactPhone.trim(),
          contactEmail: input.contactEmail?.trim().toLowerCase() || null,
          description: input.description?.trim() ?? '',
          verificationStatus: 'pending',
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await tx.insert(cooperativeMembers).values({ cooperativeId: row!.id, userId: ownerUserId, role: 'owner', createdAt: now });
      await recordAudit(tx, {
        actorUserId: ownerUserId,
        action: 'cooperative.registered',
        entityType: 'cooperative',
        entityId: row!.id,
        data: { legalName: row!.legalName, creditCode, regionCode: row!.regionCode },
      });
      return row!;
    });
    return { ok: true, cooperative };
  } catch (error) {
    const constraint = uniqueViolation(error);
    if (constraint === 'cooperatives_credit_code_unique') return { ok: false, error: 'credit_code_taken' };
    throw error;
  }
}

// ---------------------------------------------------------------- reading

export async function getCooperative(db: Db, id: number): Promise<Cooperative | undefined> {
  const [row] = await db.select().from(cooperatives).where(eq(cooperatives.id, id));
  return row;
}

/** The cooperative a portal URL names (`/coop/:coop` is its slug). */
export async function getCooperativeBySlug(db: Db, slug: string): Promise<Cooperative | undefined> {
  const [row] = await db.select().from(cooperatives).where(eq(cooperatives.slug, slug));
  return row;
}

/** The user's role in the cooperative, or null when not a member. */
export async function getMemberRole(db: Db, cooperativeId: number, userId: string): Promise<MemberRole | null> {
  const [row] = await db
    .select({ role: cooperativeMembers.role })
    .from(cooperativeMembers)
    .where(and(eq(cooperativeMembers.cooperativeId, cooperativeId), eq(cooperativeMembers.userId, userId)));
  return row?.role ?? null;
}

export async function listCooperativeMembers(db: Db, cooperativeId: number) {
  return db
    .select({
      userId: users.id,
      displayName: users.displayName,
      email: users.email,
      mobile: users.mobile,
      role: cooperativeMembers.role,
      joinedAt: cooperativeMembers.createdAt,
    })
    .from(cooperativeMembers)
    .innerJoin(users, eq(users.id, cooperativeMembers.userId))
    .where(eq(cooperativeMembers.cooperativeId, cooperativeId))
    .orderBy(desc(sql`${cooperativeMembers.role} = 'owner'`), asc(cooperativeMembers.createdAt));
}

/** Invitations not yet accepted, expired ones included (so the owner sees them lapse). */
export async function listOpenInvitations(db: Db, cooperativeId: number) {
  return db
    .select({ id: cooperativeInvitations.id, contact: cooperativeInvitations.contact, expiresAt: cooperativeInvitations.expiresAt, createdAt: cooperativeInvitations.createdAt })
    .from(cooperativeInvitations)
    .where(and(eq(cooperativeInvitations.cooperativeId, cooperativeId), isNull(cooperativeInvitations.acceptedAt)))
    .orderBy(desc(cooperativeInvitations.createdAt));
}

/** The associations whose covered regions include the region or any region above it. */
export async function associationIdsCoveringRegion(db: Db, regionCode: string): Promise<number[]> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`select distinct ar.association_id as id
        from association_regions ar join regions r on r.code = ${regionCode}
        where ar.region_code in (r.code, r.parent_code, r.province_code)`,
  );
  return rows.map((r) => Number(r.id));
}

/** Whether this actor may verify, reject or suspend this cooperative. */
export async function canActorVerifyCooperative(db: Db, actor: Actor, cooperative: Pick<Cooperative, 'id' | 'regionCode'>): Promise<boolean> {
  if (!actor) return false;
  const covering = isAdmin(actor) ? [] : await associationIdsCoveringRegion(db, cooperative.regionCode);
  return canVerifyCooperative(actor, cooperative, covering);
}

const regionName = sql<string>`(select r.name from regions r where r.code = ${cooperatives.regionCode})`;
const provinceName = sql<string>`(select p.name from regions r join regions p on p.code = r.province_code where r.code = ${cooperatives.regionCode})`;

/**
 * Cooperatives waiting for verification that this reviewer may decide: every one for an admin;
 * for association staff, those in the regions their associations cover; never their own.
 */
export async function listPendingCooperativesForReviewer(db: Db, actor: SignedIn) {
  const conditions: SQL[] = [eq(cooperatives.verificationStatus, 'pending')];
  if (actor.cooperativeIds.length) conditions.push(sql`${cooperatives.id} not in ${actor.cooperativeIds}`);
  if (!isAdmin(actor)) {
    if (!actor.associationIds.length) return [];
    conditions.push(sql`exists (
      select 1 from association_regions ar join regions r on r.code = ${cooperatives.regionCode}
      where ar.association_id in ${actor.associationIds} and ar.region_code in (r.code, r.parent_code, r.province_code))`);
  }
  return db
    .select({
      id: cooperatives.id,
      slug: cooperatives.slug,
      legalName: cooperatives.legalName,
      creditCode: cooperatives.creditCode,
      regionName,
      provinceName,
      createdAt: cooperatives.createdAt,
    })
    .from(cooperatives)
    .where(and(...conditions))
    .orderBy(asc(cooperatives.createdAt));
}

export const COOPERATIVE_PAGE_SIZE = 50;

/** The admin's list of cooperatives, by status and by a search on name, slug or credit code. */
export async function listCooperatives(db: Db, { status, q, page = 1 }: { status?: VerificationStatus; q?: string; page?: number }) {
  const conditions: SQL[] = [];
  if (status) conditions.push(eq(cooperatives.verificationStatus, status));
  if (q?.trim()) {
    const like = `%${q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(ilike(cooperatives.legalName, like), ilike(cooperatives.slug, like), ilike(cooperatives.creditCode, like))!);
  }
  const rows = await db
    .select({
      id: cooperatives.id,
      slug: cooperatives.slug,
      legalName: cooperatives.legalName,
      creditCode: cooperatives.creditCode,
      verificationStatus: cooperatives.verificationStatus,
      regionName,
      provinceName,
      createdAt: cooperatives.createdAt,
    })
    .from(cooperatives)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(sql`${cooperatives.verificationStatus} = 'pending'`), desc(cooperatives.createdAt), desc(cooperatives.id))
    .limit(COOPERATIVE_PAGE_SIZE + 1)
    .offset((page - 1) * COOPERATIVE_PAGE_SIZE);
  return { cooperatives: rows.slice(0, COOPERATIVE_PAGE_SIZE), hasMore: rows.length > COOPERATIVE_PAGE_SIZE };
}

/** A cooperative as a reviewer sees it: details, region path, owners, and whether this actor may decide. */
export async function getCooperativeForReview(db: Db, actor: SignedIn, id: number) {
  const cooperative = await getCooperative(db, id);
  if (!cooperative) return null;
  const [path, members, canDecide] = await Promise.all([
    getRegionPath(db, cooperative.regionCode),
    listCooperativeMembers(db, id),
    canActorVerifyCooperative(db, actor, cooperative),
  ]);
  return { cooperative, regionLabel: formatRegionPath(path), members, canDecide };
}

// ---------------------------------------------------------------- verification

export type CooperativeDecision = 'verify' | 'reject' | 'suspend';

const DECISIONS: Record<CooperativeDecision, { from: VerificationStatus[]; to: VerificationStatus; action: string }> = {
  verify: { from: ['pending', 'rejected', 'suspended'], to: 'verified', action: 'cooperative.verified' },
  reject: { from: ['pending'], to: 'rejected', action: 'cooperative.rejected' },
  suspend: { from: ['verified'], to: 'suspended', action: 'cooperative.suspended' },
};

export type DecisionResult = { ok: true } | { ok: false; error: 'not_found' | 'forbidden' | 'invalid_transition' };

/**
 * Verifies, rejects or suspends a cooperative after checking this actor's right to it. The
 * status change, the storefront's search rows, the audit entry and the members' e-mails are
 * one transaction.
 */
export async function decideCooperative(
  db: Db,
  { actor, cooperativeId, decision, reason, now, baseUrl }: { actor: SignedIn; cooperativeId: number; decision: CooperativeDecision; reason: string; now: Date; baseUrl?: string },
): Promise<DecisionResult> {
  const cooperative = await getCooperative(db, cooperativeId);
  if (!cooperative) return { ok: false, error: 'not_found' };
  if (!(await canActorVerifyCooperative(db, actor, cooperative))) return { ok: false, error: 'forbidden' };
  const rule = DECISIONS[decision];
  if (!rule.from.includes(cooperative.verificationStatus)) return { ok: false, error: 'invalid_transition' };
  const note = reason.trim() || null;
  return db.transaction(async (transaction) => {
    const tx = transaction as unknown as Db;
    const updated = await tx
      .update(cooperatives)
      .set({
        verificationStatus: rule.to,
        verificationNote: note,
        updatedAt: now,
        ...(decision === 'verify' ? { verifiedAt: now, verifiedBy: actor.id } : {}),
      })
      // The status it was read in: a concurrent decision wins, this one reports a stale state.
      .where(and(eq(cooperatives.id, cooperativeId), eq(cooperatives.verificationStatus, cooperative.verificationStatus)))
      .returning({ id: cooperatives.id });
    if (updated.length === 0) return { ok: false, error: 'invalid_transition' } as const;
    await enqueueSearchSync(tx, await productIdsOfCooperative(tx, cooperativeId), rule.action);
    await recordAudit(tx, {
      actorUserId: actor.id,
      action: rule.action,
      entityType: 'cooperative',
      entityId: cooperativeId,
      data: { from: cooperative.verificationStatus, to: rule.to, reason: note },
    });
    const link = baseUrl ? new URL(`/coop/${cooperative.slug}`, baseUrl).toString() : '';
    await notifyCooperativeMembers(tx, cooperativeId, (t) => ({
      subject: t(`onboarding:email.cooperative.${rule.to}.subject`, { cooperative: cooperative.legalName }),
      text: t(`onboarding:email.cooperative.${rule.to}.body`, { cooperative: cooperative.legalName, reason: note ?? '—', link }),
    }));
    return { ok: true } as const;
  });
}

/**
 * Queues one e-mail per member who has an address, written in that member's language. Call
 * inside the transaction of the change it announces.
 */
export async function notifyCooperativeMembers(
  db: Db,
  cooperativeId: number,
  compose: (t: (key: string, options?: Record<string, unknown>) => string) => { subject: string; text: string },
): Promise<number> {
  const members = await db
    .select({ email: users.email, locale: users.locale })
    .from(cooperativeMembers)
    .innerJoin(users, eq(users.id, cooperativeMembers.userId))
    .where(eq(cooperativeMembers.cooperativeId, cooperativeId));
  let sent = 0;
  for (const member of members) {
    if (!member.email) continue;
    const i18n = createI18n(isLocale(member.locale) ? member.locale : 'zh-CN');
    await enqueueEmail(db, { to: member.email, ...compose((key, options) => i18n.t(key, options ?? {})) });
    sent++;
  }
  return sent;
}

// ---------------------------------------------------------------- invitations

export type InviteResult =
  | { ok: true; invitationId: number; link: string; kind: Account['kind'] }
  | { ok: false; error: 'already_member' };

/**
 * Invites a person by e-mail or mobile. Only the SHA-256 of the token is stored; the link goes
 * out by e-mail, and for a mobile number it is returned once for the inviter to pass on. A new
 * invitation replaces any open one for the same contact.
 */
export async function createInvitation(
  db: Db,
  {
    cooperativeId,
    contact,
    invitedBy,
    now,
    baseUrl,
    locale,
  }: { cooperativeId: number; contact: Account; invitedBy: string; now: Date; baseUrl: string; locale: string },
): Promise<InviteResult> {
  const cooperative = await getCooperative(db, cooperativeId);
  if (!cooperative) throw new Error(`No cooperative ${cooperativeId}`);
  const [member] = await db
    .select({ userId: users.id })
    .from(cooperativeMembers)
    .innerJoin(users, eq(users.id, cooperativeMembers.userId))
    .where(
      and(
        eq(cooperativeMembers.cooperativeId, cooperativeId),
        contact.kind === 'email' ? sql`lower(${users.email}) = ${contact.value}` : eq(users.mobile, contact.value),
      ),
    );
  if (member) return { ok: false, error: 'already_member' };
  const token = randomToken();
  const link = new URL(`/invitations/${token}`, baseUrl).toString();
  const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
  const invitationId = await db.transaction(async (transaction) => {
    const tx = transaction as unknown as Db;
    await tx
      .delete(cooperativeInvitations)
      .where(
        and(
          eq(cooperativeInvitations.cooperativeId, cooperativeId),
          eq(cooperativeInvitations.contact, contact.value),
          isNull(cooperativeInvitations.acceptedAt),
        ),
      );
    const [row] = await tx
      .insert(cooperativeInvitations)
      .values({ cooperativeId, contact: contact.value, tokenHash: sha256Hex(token), invitedBy, expiresAt, createdAt: now })
      .returning({ id: cooperativeInvitations.id });
    if (contact.kind === 'email') {
      const { t } = createI18n(isLocale(locale) ? locale : 'zh-CN');
      const days = INVITATION_TTL_MS / 86_400_000;
      await enqueueEmail(tx, {
        to: contact.value,
        subject: t('onboarding:email.invitation.subject', { cooperative: cooperative.legalName }),
        text: t('onboarding:email.invitation.body', { cooperative: cooperative.legalName, link, days }),
      });
    }
    await recordAudit(tx, {
      actorUserId: invitedBy,
      action: 'cooperative.member_invited',
      entityType: 'cooperative',
      entityId: cooperativeId,
      data: { invitationId: row!.id, kind: contact.kind },
    });
    return row!.id;
  });
  return { ok: true, invitationId, link, kind: contact.kind };
}

/** Withdraws an open invitation of this cooperative; false when there is none by that id here. */
export async function cancelInvitation(db: Db, { cooperativeId, invitationId, actorUserId }: { cooperativeId: number; invitationId: number; actorUserId: string }) {
  return db.transaction(async (transaction) => {
    const tx = transaction as unknown as Db;
    const deleted = await tx
      .delete(cooperativeInvitations)
      .where(
        and(
          eq(cooperativeInvitations.id, invitationId),
          eq(cooperativeInvitations.cooperativeId, cooperativeId),
          isNull(cooperativeInvitations.acceptedAt),
        ),
      )
      .returning({ id: cooperativeInvitations.id });
    if (deleted.length === 0) return false;
    await recordAudit(tx, { actorUserId, action: 'cooperative.invitation_cancelled', entityType: 'cooperative', entityId: cooperativeId, data: { invitationId } });
    return true;
  });
}

/** Removes a (non-owner) member of this cooperative; false when no such member is here. */
export async function removeMember(db: Db, { cooperativeId, userId, actorUserId }: { cooperativeId: number; userId: string; actorUserId: string }) {
  return db.transaction(async (transaction) => {
    const tx = transaction as unknown as Db;
    const deleted = await tx
      .delete(cooperativeMembers)
      .where(and(eq(cooperativeMembers.cooperativeId, cooperativeId), eq(cooperativeMembers.userId, userId), eq(cooperativeMembers.role, 'member')))
      .returning({ userId: cooperativeMembers.userId });
    if (deleted.length === 0) return false;
    await recordAudit(tx, { actorUserId, action: 'cooperative.member_removed', entityType: 'cooperative', entityId: cooperativeId, data: { userId } });
    return true;
  });
}

export type InvitationState = 'open' | 'expired' | 'used';

/** The invitation a link carries, with its cooperative and state; null for an unknown token. */
export async function findInvitationByToken(db: Db, token: string, now: Date) {
  const [row] = await db
    .select({
      id: cooperativeInvitations.id,
      contact: cooperativeInvitations.contact,
      expiresAt: cooperativeInvitations.expiresAt,
      acceptedAt: cooperativeInvitations.acceptedAt,
      cooperativeId: cooperatives.id,
      cooperativeSlug: cooperatives.slug,
      cooperativeName: cooperatives.legalName,
    })
    .from(cooperativeInvitations)
    .innerJoin(cooperatives, eq(cooperatives.id, cooperativeInvitations.cooperativeId))
    .where(eq(cooperativeInvitations.tokenHash, sha256Hex(token)));
  if (!row) return null;
  const state: InvitationState = row.acceptedAt ? 'used' : row.expiresAt <= now ? 'expired' : 'open';
  return { ...row, state };
}

export type AcceptResult =
  | { ok: true; cooperativeSlug: string }
  | { ok: false; error: 'not_found' | 'expired' | 'used' | 'wrong_account' };

/**
 * Accepts an invitation for the signed-in user, who must hold the invited e-mail or mobile. The
 * invitation is spent in the statement that checks it, so a link works once.
 */
export async function acceptInvitation(
  db: Db,
  { token, user, now }: { token: string; user: { id: string; email: string | null; mobile: string | null }; now: Date },
): Promise<AcceptResult> {
  const invitation = await findInvitationByToken(db, token, now);
  if (!invitation) return { ok: false, error: 'not_found' };
  if (invitation.state !== 'open') return { ok: false, error: invitation.state };
  if (!canAcceptInvitation(user, invitation)) return { ok: false, error: 'wrong_account' };
  return db.transaction(async (transaction) => {
    const tx = transaction as unknown as Db;
    const spent = await tx
      .update(cooperativeInvitations)
      .set({ acceptedAt: now, acceptedBy: user.id })
      .where(and(eq(cooperativeInvitations.id, invitation.id), isNull(cooperativeInvitations.acceptedAt), gt(cooperativeInvitations.expiresAt, now)))
      .returning({ id: cooperativeInvitations.id });
    if (spent.length === 0) return { ok: false, error: 'used' } as const;
    await tx
      .insert(cooperativeMembers)
      .values({ cooperativeId: invitation.cooperativeId, userId: user.id, role: 'member', createdAt: now })
      .onConflictDoNothing();
    await recordAudit(tx, {
      actorUserId: user.id,
      action: 'cooperative.member_joined',
      entityType: 'cooperative',
      entityId: invitation.cooperativeId,
      data: { invitationId: invitation.id },
    });
    return { ok: true, cooperativeSlug: invitation.cooperativeSlug } as const;
  });
}

/** "zh***@example.com", "138****8000": enough for the invited person to recognise, not to harvest. */
export function maskContact(contact: string): string {
  const at = contact.indexOf('@');
  if (at > 0) return `${contact.slice(0, Math.min(2, at))}***${contact.slice(at)}`;
  return contact.length >= 7 ? `${contact.slice(0, 3)}****${contact.slice(-4)}` : '***';
}

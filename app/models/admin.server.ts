/**
 * The admin console's rules: site roles, associations (their staff, GIs and regions), GI
 * records, coordinators and the regions they cover, and the audit log. Every change is audited
 * in its own transaction.
 */
import { and, asc, desc, eq, ilike, inArray, ne, or, sql, type SQL } from 'drizzle-orm';
import {
  associationGis,
  associationMembers,
  associationRegions,
  associations,
  auditEvents,
  categories,
  coordinatorRegions,
  geographicalIndications,
  giProtectedAreas,
  regions,
  userRoles,
  users,
  type GiKind,
  type Role,
} from '~/db/schema';
import { queryRows, type Db } from '~/utils/db.server';
import { canChangeRole } from '~/utils/permissions-onboarding.server';
import type { Actor } from '~/utils/permissions.server';
import { listAuditEvents, recordAudit, type AuditFilter } from './audit.server';
import { slugFromName } from './cooperatives.server';
import { enqueueSearchSync, productIdsOfGi } from './search-sync.server';
import { findUserByAccount, type Account } from './user.server';

type SignedIn = NonNullable<Actor>;

function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((transaction) => work(transaction as unknown as Db));
}

function uniqueViolation(error: unknown): string | null {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const { code, constraint, constraint_name } = e as { code?: string; constraint?: string; constraint_name?: string };
    if (code === '23505') return constraint ?? constraint_name ?? '';
  }
  return null;
}

const escapeLike = (q: string) => `%${q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The codes among `codes` that name no region. */
export async function unknownRegionCodes(db: Db, codes: readonly string[]): Promise<string[]> {
  if (codes.length === 0) return [];
  const found = await db.select({ code: regions.code }).from(regions).where(inArray(regions.code, [...codes]));
  const known = new Set(found.map((r) => r.code));
  return codes.filter((c) => !known.has(c));
}

/** "湖北省 宜昌市 秭归县" for each code (names of the region and the levels above it). */
async function regionLabels(db: Db, codes: readonly string[]): Promise<Map<string, string>> {
  if (codes.length === 0) return new Map();
  const rows = await queryRows<{ code: string; label: string }>(
    db,
    sql`select r.code, concat_ws(' ', p.name, case when c.code <> p.code then c.name end, case when r.code <> c.code then r.name end) as label
        from regions r
        join regions p on p.code = r.province_code
        join regions c on c.code = coalesce(case when r.level = 3 then r.parent_code end, r.code)
        where r.code in ${[...codes]}`,
  );
  return new Map(rows.map((r) => [r.code, r.label]));
}

// ---------------------------------------------------------------- overview

export async function getAdminOverview(db: Db) {
  const [row] = await queryRows<Record<string, number>>(
    db,
    sql`select
      (select count(*)::int from users) as users,
      (select count(*)::int from cooperatives where verification_status = 'pending') as pending_cooperatives,
      (select count(*)::int from cooperatives) as cooperatives,
      (select count(*)::int from gi_authorizations where status = 'pending') as pending_authorizations,
      (select count(*)::int from associations) as associations,
      (select count(*)::int from geographical_indications) as gis,
      (select count(distinct user_id)::int from user_roles where role = 'coordinator') as coordinators`,
  );
  return {
    users: Number(row?.users ?? 0),
    pendingCooperatives: Number(row?.pending_cooperatives ?? 0),
    cooperatives: Number(row?.cooperatives ?? 0),
    pendingAuthorizations: Number(row?.pending_authorizations ?? 0),
    associations: Number(row?.associations ?? 0),
    gis: Number(row?.gis ?? 0),
    coordinators: Number(row?.coordinators ?? 0),
  };
}

// ---------------------------------------------------------------- users and roles

export const USER_PAGE_SIZE = 50;

export async function listUsers(db: Db, { q, role, page = 1 }: { q?: string; role?: Role; page?: number } = {}) {
  const conditions: SQL[] = [];
  if (q?.trim()) {
    const like = escapeLike(q);
    conditions.push(or(ilike(users.email, like), ilike(users.mobile, like), ilike(users.displayName, like))!);
  }
  if (role) conditions.push(sql`exists (select 1 from user_roles ur where ur.user_id = ${users.id} and ur.role = ${role})`);
  const rows = await db
    .select({
      id: users.id,
      displayName: users.displayName,
      email: users.email,
      mobile: users.mobile,
      createdAt: users.createdAt,
      roles: sql<Role[] | string>`coalesce((select json_agg(ur.role::text order by ur.role) from user_roles ur where ur.user_id = ${users.id}), '[]'::json)`,
    })
    .from(users)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(users.createdAt), asc(users.id))
    .limit(USER_PAGE_SIZE + 1)
    .offset((page - 1) * USER_PAGE_SIZE);
  return {
    users: rows.slice(0, USER_PAGE_SIZE).map((u) => ({ ...u, roles: (typeof u.roles === 'string' ? JSON.parse(u.roles) : u.roles) as Role[] })),
    hasMore: rows.length > USER_PAGE_SIZE,
  };
}

export type RoleChangeResult = { ok: true } | { ok: false; error: 'forbidden' | 'not_found' | 'unchanged' };

/**
 * Grants or revokes a site role. An admin cannot take away their own admin role. Revoking
 * the coordinator role also ends the regions the person covered.
 */
export async function changeUserRole(
  db: Db,
  { actor, userId, role, grant, now }: { actor: SignedIn; userId: string; role: Role; grant: boolean; now: Date },
): Promise<RoleChangeResult> {
  if (!canChangeRole(actor, { userId, role, grant })) return { ok: false, error: 'forbidden' };
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId));
  if (!user) return { ok: false, error: 'not_found' };
  return inTransaction(db, async (tx) => {
    let changed: number;
    let regionCodes: string[] = [];
    if (grant) {
      changed = (await tx.insert(userRoles).values({ userId, role, createdAt: now }).onConflictDoNothing().returning({ userId: userRoles.userId })).length;
    } else {
      changed = (await tx.delete(userRoles).where(and(eq(userRoles.userId, userId), eq(userRoles.role, role))).returning({ userId: userRoles.userId })).length;
      if (changed && role === 'coordinator') {
        const removed = await tx.delete(coordinatorRegions).where(eq(coordinatorRegions.userId, userId)).returning({ regionCode: coordinatorRegions.regionCode });
        regionCodes = removed.map((r) => r.regionCode);
      }
    }
    if (!changed) return { ok: false, error: 'unchanged' } as const;
    await recordAudit(tx, {
      actorUserId: actor.id,
      action: grant ? 'user.role_granted' : 'user.role_revoked',
      entityType: 'user',
      entityId: userId,
      data: { role, ...(regionCodes.length ? { coordinatorRegionsRemoved: regionCodes } : {}) },
    });
    return { ok: true } as const;
  });
}

// ---------------------------------------------------------------- associations

export interface AssociationInput {
  name: string;
  slug?: string;
  regionCode: string;
  description: string;
}

export async function listAssociations(db: Db) {
  return db
    .select({
      id: associations.id,
      slug: associations.slug,
      name: associations.name,
      regionName: sql<string>`(select r.name from regions r where r.code = ${associations.regionCode})`,
      members: sql<number>`(select count(*)::int from association_members m where m.association_id = ${associations.id})`,
      gis: sql<number>`(select count(*)::int from association_gis g where g.association_id = ${associations.id})`,
      regions: sql<number>`(select count(*)::int from association_regions r where r.association_id = ${associations.id})`,
    })
    .from(associations)
    .orderBy(asc(associations.name));
}

export type AssociationSaveResult = { ok: true; id: number } | { ok: false; error: 'slug_taken' | 'region_invalid' | 'not_found' };

/** Creates an association (`id` absent) or updates one. */
export async function saveAssociation(
  db: Db,
  { actor, id, input, now }: { actor: SignedIn; id?: number; input: AssociationInput; now: Date },
): Promise<AssociationSaveResult> {
  if ((await unknownRegionCodes(db, [input.regionCode])).length) return { ok: false, error: 'region_invalid' };
  const slug = input.slug?.trim() || slugFromName(input.name);
  const values = { name: input.name.trim(), slug, regionCode: input.regionCode, description: input.description.trim() };
  try {
    return await inTransaction(db, async (tx) => {
      const [row] = id
        ? await tx.update(associations).set(values).where(eq(associations.id, id)).returning({ id: associations.id })
        : await tx.insert(associations).values({ ...values, createdAt: now }).returning({ id: associations.id });
      if (!row) return { ok: false, error: 'not_found' } as const;
      await recordAudit(tx, { actorUserId: actor.id, action: id ? 'association.updated' : 'association.created', entityType: 'association', entityId: row.id, data: values });
      return { ok: true, id: row.id } as const;
    });
  } catch (error) {
    if (uniqueViolation(error) === 'associations_slug_unique') return { ok: false, error: 'slug_taken' };
    throw error;
  }
}

export async function getAssociationDetail(db: Db, id: number) {
  const [association] = await db.select().from(associations).where(eq(associations.id, id));
  if (!association) return null;
  const [members, gis, regionRows] = await Promise.all([
    db
      .select({ userId: users.id, displayName: users.displayName, email: users.email, mobile: users.mobile })
      .from(associationMembers)
      .innerJoin(users, eq(users.id, associationMembers.userId))
      .where(eq(associationMembers.associationId, id))
      .orderBy(asc(users.displayName)),
    db
      .select({ id: geographicalIndications.id, name: geographicalIndications.name })
      .from(associationGis)
      .innerJoin(geographicalIndications, eq(geographicalIndications.id, associationGis.giId))
      .where(eq(associationGis.associationId, id))
      .orderBy(asc(geographicalIndications.name)),
    db.select({ code: associationRegions.regionCode }).from(associationRegions).where(eq(associationRegions.associationId, id)).orderBy(asc(associationRegions.regionCode)),
  ]);
  const labels = await regionLabels(db, [association.regionCode, ...regionRows.map((r) => r.code)]);
  return {
    association: { ...association, regionLabel: labels.get(association.regionCode) ?? association.regionCode },
    members,
    gis,
    regions: regionRows.map((r) => ({ code: r.code, label: labels.get(r.code) ?? r.code })),
  };
}

export type AssociationChange =
  | { kind: 'member_added'; account: Account }
  | { kind: 'member_removed'; userId: string }
  | { kind: 'gi_added'; giId: number }
  | { kind: 'gi_removed'; giId: number }
  | { kind: 'region_added'; regionCode: string }
  | { kind: 'region_removed'; regionCode: string };

export type AssociationChangeResult = { ok: true } | { ok: false; error: 'not_found' | 'user_not_found' | 'gi_not_found' | 'region_invalid' | 'unchanged' };

/** Adds or removes one staff member, GI or covered region of an association. */
export async function changeAssociation(
  db: Db,
  { actor, associationId, change, now }: { actor: SignedIn; associationId: number; change: AssociationChange; now: Date },
): Promise<AssociationChangeResult> {
  const [association] = await db.select({ id: associations.id }).from(associations).where(eq(associations.id, associationId));
  if (!association) return { ok: false, error: 'not_found' };
  let data: Record<string, unknown>;
  let apply: (tx: Db) => Promise<number>;
  switch (change.kind) {
    case 'member_added': {
      const user = await findUserByAccount(db, change.account);
      if (!user) return { ok: false, error: 'user_not_found' };
      data = { userId: user.id };
      apply = async (tx) =>
        (await tx.insert(associationMembers).values({ associationId, userId: user.id, createdAt: now }).onConflictDoNothing().returning({ id: associationMembers.userId })).length;
      break;
    }
    case 'member_removed':
      data = { userId: change.userId };
      apply = async (tx) =>
        (
          await tx
            .delete(associationMembers)
            .where(and(eq(associationMembers.associationId, associationId), eq(associationMembers.userId, change.userId)))
            .returning({ id: associationMembers.userId })
        ).length;
      break;
    case 'gi_added': {
      const [gi] = await db.select({ id: geographicalIndications.id }).from(geographicalIndications).where(eq(geographicalIndications.id, change.giId));
      if (!gi) return { ok: false, error: 'gi_not_found' };
      data = { giId: change.giId };
      apply = async (tx) => (await tx.insert(associationGis).values({ associationId, giId: change.giId }).onConflictDoNothing().returning({ id: associationGis.giId })).length;
      break;
    }
    case 'gi_removed':
      data = { giId: change.giId };
      apply = async (tx) =>
        (await tx.delete(associationGis).where(and(eq(associationGis.associationId, associationId), eq(associationGis.giId, change.giId))).returning({ id: associationGis.giId }))
          .length;
      break;
    case 'region_added':
      if ((await unknownRegionCodes(db, [change.regionCode])).length) return { ok: false, error: 'region_invalid' };
      data = { regionCode: change.regionCode };
      apply = async (tx) =>
        (await tx.insert(associationRegions).values({ associationId, regionCode: change.regionCode }).onConflictDoNothing().returning({ id: associationRegions.regionCode }))
          .length;
      break;
    case 'region_removed':
      data = { regionCode: change.regionCode };
      apply = async (tx) =>
        (
          await tx
            .delete(associationRegions)
            .where(and(eq(associationRegions.associationId, associationId), eq(associationRegions.regionCode, change.regionCode)))
            .returning({ id: associationRegions.regionCode })
        ).length;
      break;
  }
  return inTransaction(db, async (tx) => {
    if (!(await apply(tx))) return { ok: false, error: 'unchanged' } as const;
    await recordAudit(tx, { actorUserId: actor.id, action: `association.${change.kind}`, entityType: 'association', entityId: associationId, data });
    return { ok: true } as const;
  });
}

// ---------------------------------------------------------------- GI records

export async function listGis(db: Db) {
  const rows = await db
    .select({
      id: geographicalIndications.id,
      slug: geographicalIndications.slug,
      name: geographicalIndications.name,
      kind: geographicalIndications.kind,
      registrationNumber: geographicalIndications.registrationNumber,
      categoryName: categories.nameZh,
      categoryNameEn: categories.nameEn,
      areaCodes: sql<string[] | string>`coalesce((select json_agg(pa.region_code order by pa.region_code) from gi_protected_areas pa where pa.gi_id = ${geographicalIndications.id}), '[]'::json)`,
    })
    .from(geographicalIndications)
    .innerJoin(categories, eq(categories.slug, geographicalIndications.categorySlug))
    .orderBy(asc(geographicalIndications.name));
  const parsed = rows.map((r) => ({ ...r, areaCodes: (typeof r.areaCodes === 'string' ? JSON.parse(r.areaCodes) : r.areaCodes) as string[] }));
  const labels = await regionLabels(db, [...new Set(parsed.flatMap((r) => r.areaCodes))]);
  return parsed.map(({ areaCodes, ...r }) => ({ ...r, area: areaCodes.map((c) => labels.get(c) ?? c) }));
}

export async function getGi(db: Db, id: number) {
  const [gi] = await db.select().from(geographicalIndications).where(eq(geographicalIndications.id, id));
  if (!gi) return null;
  const area = await db.select({ code: giProtectedAreas.regionCode }).from(giProtectedAreas).where(eq(giProtectedAreas.giId, id)).orderBy(asc(giProtectedAreas.regionCode));
  const labels = await regionLabels(db, area.map((a) => a.code));
  return { gi, protectedArea: area.map((a) => ({ code: a.code, label: labels.get(a.code) ?? a.code })) };
}

export interface GiInput {
  slug: string;
  name: string;
  nameEn: string | null;
  kind: GiKind | null;
  otherKinds: GiKind[];
  /** Empty unless a source confirms it: never made up. */
  registrationNumber: string | null;
  registeredOn: string | null;
  chinaEuList: 1 | 2 | null;
  categorySlug: string;
  protectedArea: string[];
  story: string;
  sourceNote: string;
}

export type GiSaveResult =
  | { ok: true; id: number }
  | { ok: false; error: 'not_found' | 'slug_taken' | 'category_invalid' } | { ok: false; error: 'region_invalid'; codes: string[] };

/**
 * Creates a GI record (`id` absent) or updates one, its protected area replaced whole. The
 * storefront's documents of products with the GI are refreshed in the same transaction.
 */
export async function saveGi(db: Db, { actor, id, input, now }: { actor: SignedIn; id?: number; input: GiInput; now: Date }): Promise<GiSaveResult> {
  const area = [...new Set(input.protectedArea)];
  const unknown = await unknownRegionCodes(db, area);
  if (unknown.length) return { ok: false, error: 'region_invalid', codes: unknown };
  const [category] = await db.select({ slug: categories.slug }).from(categories).where(eq(categories.slug, input.categorySlug));
  if (!category) return { ok: false, error: 'category_invalid' };
  const values = {
    slug: input.slug,
    name: input.name.trim(),
    nameEn: input.nameEn?.trim() || null,
    kind: input.kind,
    otherKinds: input.otherKinds.filter((k) => k !== input.kind),
    registrationNumber: input.registrationNumber?.trim() || null,
    registeredOn: input.registeredOn || null,
    chinaEuList: input.chinaEuList,
    categorySlug: input.categorySlug,
    story: input.story.trim(),
    sourceNote: input.sourceNote.trim(),
  };
  try {
    return await inTransaction(db, async (tx) => {
      const [row] = id
        ? await tx.update(geographicalIndications).set(values).where(eq(geographicalIndications.id, id)).returning({ id: geographicalIndications.id })
        : await tx.insert(geographicalIndications).values({ ...values, createdAt: now }).returning({ id: geographicalIndications.id });
      if (!row) return { ok: false, error: 'not_found' } as const;
      await tx.delete(giProtectedAreas).where(eq(giProtectedAreas.giId, row.id));
      if (area.length) await tx.insert(giProtectedAreas).values(area.map((regionCode) => ({ giId: row.id, regionCode })));
      if (id) await enqueueSearchSync(tx, await productIdsOfGi(tx, row.id), 'gi.updated');
      await recordAudit(tx, {
        actorUserId: actor.id,
        action: id ? 'gi.updated' : 'gi.created',
        entityType: 'gi',
        entityId: row.id,
        data: { ...values, protectedArea: area },
      });
      return { ok: true, id: row.id } as const;
    });
  } catch (error) {
    if (uniqueViolation(error) === 'geographical_indications_slug_unique') return { ok: false, error: 'slug_taken' };
    throw error;
  }
}

export async function listCategories(db: Db) {
  return db.select().from(categories).orderBy(asc(categories.position), asc(categories.slug));
}

export async function listGiOptions(db: Db) {
  return db.select({ id: geographicalIndications.id, name: geographicalIndications.name }).from(geographicalIndications).orderBy(asc(geographicalIndications.name));
}

// ---------------------------------------------------------------- coordinators

/** Every coordinator with the regions they cover (lead or not). */
export async function listCoordinators(db: Db) {
  const people = await db
    .select({ id: users.id, displayName: users.displayName, email: users.email, mobile: users.mobile })
    .from(users)
    .innerJoin(userRoles, and(eq(userRoles.userId, users.id), eq(userRoles.role, 'coordinator')))
    .orderBy(asc(users.displayName));
  const coverage = await db.select().from(coordinatorRegions).orderBy(asc(coordinatorRegions.regionCode));
  const labels = await regionLabels(db, [...new Set(coverage.map((c) => c.regionCode))]);
  return people.map((p) => ({
    ...p,
    regions: coverage.filter((c) => c.userId === p.id).map((c) => ({ code: c.regionCode, label: labels.get(c.regionCode) ?? c.regionCode, isLead: c.isLead })),
  }));
}

export type CoordinatorChange =
  | { kind: 'assign'; userId: string; regionCode: string; lead: boolean }
  | { kind: 'set_lead'; userId: string; regionCode: string }
  | { kind: 'remove'; userId: string; regionCode: string };

export type CoordinatorChangeResult = { ok: true } | { ok: false; error: 'not_coordinator' | 'region_invalid' | 'not_found' };

/**
 * Changes which regions a coordinator covers. A region has at most one lead: making someone lead
 * unsets the previous lead in the same transaction (the unique partial index guards the rest).
 */
export async function changeCoordinatorRegion(
  db: Db,
  { actor, change }: { actor: SignedIn; change: CoordinatorChange },
): Promise<CoordinatorChangeResult> {
  const { userId, regionCode } = change;
  if (change.kind !== 'remove') {
    const [role] = await db.select().from(userRoles).where(and(eq(userRoles.userId, userId), eq(userRoles.role, 'coordinator')));
    if (!role) return { ok: false, error: 'not_coordinator' };
    if ((await unknownRegionCodes(db, [regionCode])).length) return { ok: false, error: 'region_invalid' };
  }
  return inTransaction(db, async (tx) => {
    // One change per region at a time, so two admins naming different leads cannot collide.
    await tx.execute(sql`select 1 from regions where code = ${regionCode} for update`);
    const [current] = await tx
      .select()
      .from(coordinatorRegions)
      .where(and(eq(coordinatorRegions.userId, userId), eq(coordinatorRegions.regionCode, regionCode)));
    if (change.kind !== 'assign' && !current) return { ok: false, error: 'not_found' } as const;
    if (change.kind === 'remove') {
      await tx.delete(coordinatorRegions).where(and(eq(coordinatorRegions.userId, userId), eq(coordinatorRegions.regionCode, regionCode)));
      await recordAudit(tx, { actorUserId: actor.id, action: 'coordinator.region_removed', entityType: 'user', entityId: userId, data: { regionCode, wasLead: current!.isLead } });
      return { ok: true } as const;
    }
    const lead = change.kind === 'set_lead' ? true : change.lead;
    let previousLeadUserId: string | null = null;
    if (lead) {
      const unset = await tx
        .update(coordinatorRegions)
        .set({ isLead: false })
        .where(and(eq(coordinatorRegions.regionCode, regionCode), eq(coordinatorRegions.isLead, true), ne(coordinatorRegions.userId, userId)))
        .returning({ userId: coordinatorRegions.userId });
      previousLeadUserId = unset[0]?.userId ?? null;
    }
    await tx
      .insert(coordinatorRegions)
      .values({ userId, regionCode, isLead: lead })
      .onConflictDoUpdate({ target: [coordinatorRegions.userId, coordinatorRegions.regionCode], set: { isLead: lead } });
    await recordAudit(tx, {
      actorUserId: actor.id,
      action: change.kind === 'set_lead' ? 'coordinator.lead_set' : 'coordinator.region_assigned',
      entityType: 'user',
      entityId: userId,
      data: { regionCode, lead, previousLeadUserId },
    });
    return { ok: true } as const;
  });
}

// ---------------------------------------------------------------- audit log

export const AUDIT_PAGE_SIZE = 50;

/** A page of the audit log with the actors' names, newest first. */
export async function listAuditPage(db: Db, filter: Omit<AuditFilter, 'limit' | 'offset'>, page = 1) {
  const rows = await listAuditEvents(db, { ...filter, limit: AUDIT_PAGE_SIZE + 1, offset: (page - 1) * AUDIT_PAGE_SIZE });
  const actorIds = [...new Set(rows.map((r) => r.actorUserId).filter((id): id is string => Boolean(id)))];
  const actors = actorIds.length
    ? await db.select({ id: users.id, displayName: users.displayName, email: users.email, mobile: users.mobile }).from(users).where(inArray(users.id, actorIds))
    : [];
  const byId = new Map(actors.map((a) => [a.id, a]));
  return {
    events: rows.slice(0, AUDIT_PAGE_SIZE).map((r) => ({ ...r, actor: r.actorUserId ? (byId.get(r.actorUserId) ?? null) : null })),
    hasMore: rows.length > AUDIT_PAGE_SIZE,
  };
}

/** The actions and entity types the log holds, for the filter's choices. */
export async function listAuditVocabulary(db: Db) {
  const [actions, entityTypes] = await Promise.all([
    db.selectDistinct({ value: auditEvents.action }).from(auditEvents).orderBy(asc(auditEvents.action)),
    db.selectDistinct({ value: auditEvents.entityType }).from(auditEvents).orderBy(asc(auditEvents.entityType)),
  ]);
  return { actions: actions.map((a) => a.value), entityTypes: entityTypes.map((e) => e.value) };
}

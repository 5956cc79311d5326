/**
 * GI authorizations: a cooperative applies (with an evidence document) to use a GI's official
 * mark; staff of an association that looks after the GI, or a coordinator covering the
 * cooperative's region, approve or reject it; an approved one can be revoked, which takes the GI
 * badge off the cooperative's products with that GI. Approving again never puts badges back:
 * the cooperative claims the GI again through the product form.
 */
import { and, asc, desc, eq, inArray, isNotNull, isNull, notInArray, sql, type SQL } from 'drizzle-orm';
import { cooperatives, geographicalIndications, giAuthorizations, products, users } from '~/db/schema';
import { queryRows, type Db } from '~/utils/db.server';
import { canReadGiEvidence } from '~/utils/permissions-onboarding.server';
import { canDecideGiAuthorization, coversRegion, getCoordinatorRegionCodes, hasRole, isAdmin, type Actor } from '~/utils/permissions.server';
import { recordAudit } from './audit.server';
import { notifyCooperativeMembers } from './cooperatives.server';
import { formatRegionPath, getRegionPath } from './regions.server';
import { enqueueSearchSync, productIdsOfGi } from './search-sync.server';

type SignedIn = NonNullable<Actor>;
export type AuthorizationStatus = (typeof giAuthorizations.$inferSelect)['status'];

// ---------------------------------------------------------------- applying

export interface GiChoice {
  id: number;
  name: string;
  kind: string | null;
  /** An application is pending or approved already. */
  open: boolean;
}

/** The GIs whose protected area holds the cooperative's region: the only ones it may apply for. */
export async function listGiChoicesForCooperative(db: Db, cooperativeId: number): Promise<GiChoice[]> {
  const rows = await queryRows<{ id: number; name: string; kind: string | null; open: boolean }>(
    db,
    sql`select g.id, g.name, g.kind::text as kind,
          exists (select 1 from gi_authorizations a where a.gi_id = g.id and a.cooperative_id = c.id and a.status in ('pending', 'approved')) as open
        from geographical_indications g
        join cooperatives c on c.id = ${cooperativeId}
        join regions r on r.code = c.region_code
        where exists (select 1 from gi_protected_areas pa where pa.gi_id = g.id and pa.region_code in (r.code, r.parent_code, r.province_code))
        order by g.name`,
  );
  return rows.map((r) => ({ id: Number(r.id), name: r.name, kind: r.kind, open: Boolean(r.open) }));
}

export type ApplyResult = { ok: true; id: number } | { ok: false; error: 'gi_not_found' | 'outside_area' | 'already_open' };

/**
 * Files an application. The evidence is stored (by `storeEvidence`) only once the application
 * is known to be admissible, so a refused one leaves no file behind.
 */
export async function applyForGiAuthorization(
  db: Db,
  {
    cooperativeId,
    giId,
    note,
    actorUserId,
    now,
    storeEvidence,
  }: { cooperativeId: number; giId: number; note: string; actorUserId: string; now: Date; storeEvidence: () => Promise<string> },
): Promise<ApplyResult> {
  const choice = (await listGiChoicesForCooperative(db, cooperativeId)).find((g) => g.id === giId);
  if (!choice) {
    const [gi] = await db.select({ id: geographicalIndications.id }).from(geographicalIndications).where(eq(geographicalIndications.id, giId));
    return { ok: false, error: gi ? 'outside_area' : 'gi_not_found' };
  }
  if (choice.open) return { ok: false, error: 'already_open' };
  const evidencePath = await storeEvidence();
  return db.transaction(async (transaction) => {
    const tx = transaction as unknown as Db;
    // Serializes two applications for the same cooperative and GI arriving together.
    await tx.execute(sql`select 1 from cooperatives where id = ${cooperativeId} for update`);
    const [open] = await tx
      .select({ id: giAuthorizations.id })
      .from(giAuthorizations)
      .where(and(eq(giAuthorizations.cooperativeId, cooperativeId), eq(giAuthorizations.giId, giId), inArray(giAuthorizations.status, ['pending', 'approved'])));
    if (open) return { ok: false, error: 'already_open' } as const;
    const [row] = await tx
      .insert(giAuthorizations)
      .values({ cooperativeId, giId, status: 'pending', evidencePath, note: note.trim(), createdAt: now })
      .returning({ id: giAuthorizations.id });
    await recordAudit(tx, {
      actorUserId,
      action: 'gi_authorization.applied',
      entityType: 'gi_authorization',
      entityId: row!.id,
      data: { cooperativeId, giId },
    });
    return { ok: true, id: row!.id } as const;
  });
}

// ---------------------------------------------------------------- reading

const giName = geographicalIndications.name;

/** A cooperative's applications, newest first. */
export async function listCooperativeAuthorizations(db: Db, cooperativeId: number) {
  return db
    .select({
      id: giAuthorizations.id,
      giId: giAuthorizations.giId,
      giName,
      status: giAuthorizations.status,
      note: giAuthorizations.note,
      hasEvidence: sql<boolean>`${giAuthorizations.evidencePath} is not null`,
      decidedAt: giAuthorizations.decidedAt,
      decisionReason: giAuthorizations.decisionReason,
      createdAt: giAuthorizations.createdAt,
    })
    .from(giAuthorizations)
    .innerJoin(geographicalIndications, eq(geographicalIndications.id, giAuthorizations.giId))
    .where(eq(giAuthorizations.cooperativeId, cooperativeId))
    .orderBy(desc(giAuthorizations.createdAt), desc(giAuthorizations.id));
}

/** The cooperative's products whose GI badge was taken off by a revocation, to be re-claimed. */
export async function listGiRevokedProducts(db: Db, cooperativeId: number) {
  return db
    .select({ id: products.id, slug: products.slug, title: products.title, giName, giRevokedAt: products.giRevokedAt })
    .from(products)
    .innerJoin(geographicalIndications, eq(geographicalIndications.id, products.giId))
    .where(and(eq(products.cooperativeId, cooperativeId), isNotNull(products.giRevokedAt)))
    .orderBy(asc(products.title));
}

/** What a decision about this authorization depends on, for this actor. */
async function decisionFacts(db: Db, actor: SignedIn, authorization: { cooperativeId: number; giId: number; regionCode: string }) {
  const userAssociationGiIds = actor.associationIds.length
    ? (
        await queryRows<{ gi_id: number }>(db, sql`select distinct gi_id from association_gis where association_id in ${actor.associationIds}`)
      ).map((r) => Number(r.gi_id))
    : [];
  const regionPath = (await getRegionPath(db, authorization.regionCode)).map((r) => r.code);
  const isCoordinatorForRegion = hasRole(actor, 'coordinator') && coversRegion(await getCoordinatorRegionCodes(db, actor.id), regionPath);
  return { userAssociationGiIds, isCoordinatorForRegion };
}

async function loadAuthorization(db: Db, id: number) {
  const [row] = await db
    .select({
      id: giAuthorizations.id,
      cooperativeId: giAuthorizations.cooperativeId,
      giId: giAuthorizations.giId,
      status: giAuthorizations.status,
      evidencePath: giAuthorizations.evidencePath,
      note: giAuthorizations.note,
      decidedAt: giAuthorizations.decidedAt,
      decisionReason: giAuthorizations.decisionReason,
      decidedByName: users.displayName,
      createdAt: giAuthorizations.createdAt,
      giName,
      giSlug: geographicalIndications.slug,
      cooperativeName: cooperatives.legalName,
      cooperativeSlug: cooperatives.slug,
      cooperativeStatus: cooperatives.verificationStatus,
      regionCode: cooperatives.regionCode,
    })
    .from(giAuthorizations)
    .innerJoin(geographicalIndications, eq(geographicalIndications.id, giAuthorizations.giId))
    .innerJoin(cooperatives, eq(cooperatives.id, giAuthorizations.cooperativeId))
    .leftJoin(users, eq(users.id, giAuthorizations.decidedBy))
    .where(eq(giAuthorizations.id, id));
  return row;
}

/** Whether this actor may approve, reject or revoke this authorization. */
export async function canActorDecideGiAuthorization(db: Db, actor: SignedIn, authorization: { cooperativeId: number; giId: number; regionCode: string }) {
  const facts = await decisionFacts(db, actor, authorization);
  return canDecideGiAuthorization(actor, authorization, facts.userAssociationGiIds, facts.isCoordinatorForRegion);
}

/**
 * An application as the review desk shows it, or null when it does not exist or this actor may
 * neither decide it nor belongs to the applying cooperative.
 */
export async function getAuthorizationForReview(db: Db, actor: SignedIn, id: number) {
  const row = await loadAuthorization(db, id);
  if (!row) return null;
  const facts = await decisionFacts(db, actor, row);
  if (!canReadGiEvidence(actor, row, facts.userAssociationGiIds, facts.isCoordinatorForRegion)) return null;
  const canDecide = canDecideGiAuthorization(actor, row, facts.userAssociationGiIds, facts.isCoordinatorForRegion);
  const regionLabel = formatRegionPath(await getRegionPath(db, row.regionCode));
  const { evidencePath, ...rest } = row;
  return { ...rest, hasEvidence: evidencePath !== null, regionLabel, canDecide };
}

/** The stored path of an application's evidence, when this actor may read it. */
export async function getEvidencePath(db: Db, actor: SignedIn, id: number): Promise<string | null> {
  const row = await loadAuthorization(db, id);
  if (!row?.evidencePath) return null;
  const facts = await decisionFacts(db, actor, row);
  return canReadGiEvidence(actor, row, facts.userAssociationGiIds, facts.isCoordinatorForRegion) ? row.evidencePath : null;
}

/**
 * Applications this reviewer may decide, by status: every one for an admin; for association
 * staff those for their associations' GIs; for coordinators those of cooperatives in their
 * regions. Never those of the reviewer's own cooperatives.
 */
export async function listAuthorizationsForReviewer(db: Db, actor: SignedIn, { status = 'pending' }: { status?: AuthorizationStatus } = {}) {
  const conditions: SQL[] = [eq(giAuthorizations.status, status)];
  if (actor.cooperativeIds.length) conditions.push(notInArray(giAuthorizations.cooperativeId, actor.cooperativeIds));
  if (!isAdmin(actor)) {
    const reach: SQL[] = [];
    if (actor.associationIds.length) {
      reach.push(sql`${giAuthorizations.giId} in (select gi_id from association_gis where association_id in ${actor.associationIds})`);
    }
    if (hasRole(actor, 'coordinator')) {
      reach.push(sql`exists (
        select 1 from coordinator_regions cr join regions r on r.code = ${cooperatives.regionCode}
        where cr.user_id = ${actor.id} and cr.region_code in (r.code, r.parent_code, r.province_code))`);
    }
    if (reach.length === 0) return [];
    conditions.push(sql`(${sql.join(reach, sql` or `)})`);
  }
  return db
    .select({
      id: giAuthorizations.id,
      giName,
      cooperativeId: cooperatives.id,
      cooperativeName: cooperatives.legalName,
      regionName: sql<string>`(select r.name from regions r where r.code = ${cooperatives.regionCode})`,
      status: giAuthorizations.status,
      createdAt: giAuthorizations.createdAt,
      decidedAt: giAuthorizations.decidedAt,
    })
    .from(giAuthorizations)
    .innerJoin(geographicalIndications, eq(geographicalIndications.id, giAuthorizations.giId))
    .innerJoin(cooperatives, eq(cooperatives.id, giAuthorizations.cooperativeId))
    .where(and(...conditions))
    .orderBy(status === 'pending' ? asc(giAuthorizations.createdAt) : desc(giAuthorizations.decidedAt), desc(giAuthorizations.id))
    .limit(200);
}

// ---------------------------------------------------------------- deciding

export type GiDecision = 'approve' | 'reject' | 'revoke';

const DECISIONS: Record<GiDecision, { from: AuthorizationStatus; to: AuthorizationStatus; action: string }> = {
  approve: { from: 'pending', to: 'approved', action: 'gi_authorization.approved' },
  reject: { from: 'pending', to: 'rejected', action: 'gi_authorization.rejected' },
  revoke: { from: 'approved', to: 'revoked', action: 'gi_authorization.revoked' },
};

export type GiDecisionResult =
  | { ok: true; affectedProductIds: number[] }
  | { ok: false; error: 'not_found' | 'forbidden' | 'invalid_transition' };

/**
 * Approves, rejects or revokes after checking this actor's right to the row. A revocation sets
 * `gi_revoked_at` on the cooperative's products with that GI; the status, the products, their
 * search rows, the audit entry and the members' e-mails are one transaction.
 */
export async function decideGiAuthorization(
  db: Db,
  {
    actor,
    authorizationId,
    decision,
    reason,
    now,
    baseUrl,
  }: { actor: SignedIn; authorizationId: number; decision: GiDecision; reason: string; now: Date; baseUrl?: string },
): Promise<GiDecisionResult> {
  const row = await loadAuthorization(db, authorizationId);
  if (!row) return { ok: false, error: 'not_found' };
  if (!(await canActorDecideGiAuthorization(db, actor, row))) return { ok: false, error: 'forbidden' };
  const rule = DECISIONS[decision];
  if (row.status !== rule.from) return { ok: false, error: 'invalid_transition' };
  const note = reason.trim() || null;
  return db.transaction(async (transaction) => {
    const tx = transaction as unknown as Db;
    const updated = await tx
      .update(giAuthorizations)
      .set({ status: rule.to, decidedBy: actor.id, decidedAt: now, decisionReason: note })
      .where(and(eq(giAuthorizations.id, authorizationId), eq(giAuthorizations.status, rule.from)))
      .returning({ id: giAuthorizations.id });
    if (updated.length === 0) return { ok: false, error: 'invalid_transition' } as const;
    let affectedProductIds: number[] = [];
    if (decision === 'revoke') {
      const flagged = await tx
        .update(products)
        .set({ giRevokedAt: now, updatedAt: now })
        .where(and(eq(products.cooperativeId, row.cooperativeId), eq(products.giId, row.giId), isNull(products.giRevokedAt)))
        .returning({ id: products.id });
      affectedProductIds = flagged.map((p) => p.id);
    }
    if (decision !== 'reject') {
      await enqueueSearchSync(tx, await productIdsOfGi(tx, row.giId, row.cooperativeId), rule.action);
    }
    await recordAudit(tx, {
      actorUserId: actor.id,
      action: rule.action,
      entityType: 'gi_authorization',
      entityId: authorizationId,
      data: { cooperativeId: row.cooperativeId, giId: row.giId, reason: note, ...(decision === 'revoke' ? { productIds: affectedProductIds } : {}) },
    });
    const link = baseUrl ? new URL(`/coop/${row.cooperativeSlug}/gi-authorizations`, baseUrl).toString() : '';
    await notifyCooperativeMembers(tx, row.cooperativeId, (t) => ({
      subject: t(`onboarding:email.gi.${rule.to}.subject`, { gi: row.giName }),
      text: t(`onboarding:email.gi.${rule.to}.body`, { cooperative: row.cooperativeName, gi: row.giName, reason: note ?? '—', link }),
    }));
    return { ok: true, affectedProductIds } as const;
  });
}

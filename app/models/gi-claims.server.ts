/**
 * The GI trust rule: a product may carry a geographical indication only if its cooperative
 * holds an approved authorization for that GI and lies inside the GI's protected area (and so
 * does the product's stated origin, when given). Every write path that sets a product's GI —
 * the portal forms, the CSV import, anything later — goes through `assertGiClaim`.
 */
import { and, asc, eq } from 'drizzle-orm';
import { cooperatives, geographicalIndications, giAuthorizations, giProtectedAreas } from '~/db/schema';
import type { Db } from '~/utils/db.server';
import { isRegionWithin } from './regions.server';

export type GiClaimRefusal = 'not_authorized' | 'outside_protected_area' | 'unknown_gi';
export type GiClaimResult = { ok: true } | { ok: false; reason: GiClaimRefusal };

/** Thrown by assertGiClaim; `reason` says which part of the rule failed. */
export class GiClaimError extends Error {
  constructor(
    public readonly reason: GiClaimRefusal,
    public readonly giId: number,
  ) {
    super(`GI claim refused (${reason}) for GI ${giId}`);
    this.name = 'GiClaimError';
  }
}

/** The i18n key explaining a refusal to a cooperative member. */
export function giClaimMessageKey(reason: GiClaimRefusal): string {
  return `coop:gi.refused.${reason}`;
}

/**
 * Checks whether `cooperativeId` may label a product with GI `giId`. Pass the product's origin
 * region to require that it, too, lies inside the protected area. Inside a transaction the
 * approved authorization is read FOR SHARE, so a concurrent revocation waits for this write and
 * then sees (and flags) the product.
 */
export async function checkGiClaim(
  db: Db,
  cooperativeId: number,
  giId: number,
  options: { originRegionCode?: string } = {},
): Promise<GiClaimResult> {
  const [gi] = await db.select({ id: geographicalIndications.id }).from(geographicalIndications).where(eq(geographicalIndications.id, giId));
  if (!gi) return { ok: false, reason: 'unknown_gi' };

  const [approved] = await db
    .select({ id: giAuthorizations.id })
    .from(giAuthorizations)
    .where(and(eq(giAuthorizations.cooperativeId, cooperativeId), eq(giAuthorizations.giId, giId), eq(giAuthorizations.status, 'approved')))
    .limit(1)
    .for('share');
  if (!approved) return { ok: false, reason: 'not_authorized' };

  const [cooperative] = await db.select({ regionCode: cooperatives.regionCode }).from(cooperatives).where(eq(cooperatives.id, cooperativeId));
  if (!cooperative) return { ok: false, reason: 'not_authorized' };
  const area = (await db.select({ code: giProtectedAreas.regionCode }).from(giProtectedAreas).where(eq(giProtectedAreas.giId, giId))).map((r) => r.code);
  if (!(await isRegionWithin(db, cooperative.regionCode, area))) return { ok: false, reason: 'outside_protected_area' };
  if (options.originRegionCode && !(await isRegionWithin(db, options.originRegionCode, area))) return { ok: false, reason: 'outside_protected_area' };
  return { ok: true };
}

/** checkGiClaim that throws a GiClaimError on refusal. */
export async function assertGiClaim(db: Db, cooperativeId: number, giId: number, options: { originRegionCode?: string } = {}): Promise<void> {
  const result = await checkGiClaim(db, cooperativeId, giId, options);
  if (!result.ok) throw new GiClaimError(result.reason, giId);
}

export interface ClaimableGi {
  id: number;
  slug: string;
  name: string;
  nameEn: string | null;
}

/** The GIs a cooperative may put on its products now (for the product form's choices). */
export async function listClaimableGis(db: Db, cooperativeId: number): Promise<ClaimableGi[]> {
  const rows = await db
    .selectDistinct({ id: geographicalIndications.id, slug: geographicalIndications.slug, name: geographicalIndications.name, nameEn: geographicalIndications.nameEn })
    .from(giAuthorizations)
    .innerJoin(geographicalIndications, eq(geographicalIndications.id, giAuthorizations.giId))
    .where(and(eq(giAuthorizations.cooperativeId, cooperativeId), eq(giAuthorizations.status, 'approved')))
    .orderBy(asc(geographicalIndications.name));
  const claimable: ClaimableGi[] = [];
  for (const gi of rows) if ((await checkGiClaim(db, cooperativeId, gi.id)).ok) claimable.push(gi);
  return claimable;
}

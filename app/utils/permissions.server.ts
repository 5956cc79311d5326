/**
 * Who may do what: one module, pure functions over the signed-in user and the facts of the
 * record, tested as a matrix (tests/unit/permissions.test.ts). Loaders fetch the facts (a
 * cooperative's region, the associations covering it, a coordinator's regions) and ask here.
 *
 * Roles: customer (everyone signed in), cooperative member (cooperative_members), association
 * staff (association_members), coordinator and admin (user_roles).
 */
import { eq } from 'drizzle-orm';
import { coordinatorRegions, type Role } from '~/db/schema';
import { requireUser, type CurrentUser } from './auth.server';
import type { AppContext } from './context.server';
import type { Db } from './db.server';
import { forbidden } from './http.server';

/** The parts of the signed-in user permissions read; null is a visitor. */
export type Actor = Pick<CurrentUser, 'id' | 'roles' | 'cooperativeIds' | 'associationIds'> | null;

export function hasRole(user: Actor, role: Role): boolean {
  return Boolean(user?.roles.includes(role));
}

export function isAdmin(user: Actor): boolean {
  return hasRole(user, 'admin');
}

export function isCooperativeMember(user: Actor, cooperativeId?: number): boolean {
  if (!user) return false;
  return cooperativeId === undefined ? user.cooperativeIds.length > 0 : user.cooperativeIds.includes(cooperativeId);
}

export function isAssociationStaff(user: Actor, associationId?: number): boolean {
  if (!user) return false;
  return associationId === undefined ? user.associationIds.length > 0 : user.associationIds.includes(associationId);
}

/**
 * True when a region lies inside any of the covered areas. `regionPath` is the region's
 * ancestry, province first, ending with the region itself (getRegionPath).
 */
export function coversRegion(coveredRegionCodes: readonly string[], regionPath: readonly string[]): boolean {
  return regionPath.some((code) => coveredRegionCodes.includes(code));
}

function intersects<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.some((x) => b.includes(x));
}

/** Edit a cooperative's shop, products, stock and orders: its members, and admins. */
export function canManageCooperative(user: Actor, cooperativeId: number): boolean {
  return isAdmin(user) || isCooperativeMember(user, cooperativeId);
}

/**
 * Verify (or reject, suspend) a cooperative: admins, and staff of an association covering the
 * cooperative's region — never a member of the cooperative itself.
 */
export function canVerifyCooperative(user: Actor, cooperative: { id: number }, associationIdsCoveringRegion: readonly number[]): boolean {
  if (!user || isCooperativeMember(user, cooperative.id)) return false;
  return isAdmin(user) || intersects(user.associationIds, associationIdsCoveringRegion);
}

/**
 * Approve or reject a cooperative's use of a GI's mark: admins, staff of an association that
 * covers the GI, and coordinators covering the cooperative's region — never a member of the
 * applying cooperative.
 */
export function canDecideGiAuthorization(
  user: Actor,
  authorization: { cooperativeId: number; giId: number },
  userAssociationGiIds: readonly number[],
  isCoordinatorForRegion: boolean,
): boolean {
  if (!user || isCooperativeMember(user, authorization.cooperativeId)) return false;
  if (isAdmin(user)) return true;
  if (isAssociationStaff(user) && userAssociationGiIds.includes(authorization.giId)) return true;
  return hasRole(user, 'coordinator') && isCoordinatorForRegion;
}

/** The coordinator desk (triage board, dashboards): coordinators and admins. */
export function canUseCoordinatorDesk(user: Actor): boolean {
  return hasRole(user, 'coordinator') || isAdmin(user);
}

/**
 * Read a logistics / stalled-sales report: the reporter, members of the cooperatives it
 * concerns, coordinators covering its region, and admins.
 */
export function canViewReport(
  user: Actor,
  report: { reporterUserId: string | null; cooperativeIds: readonly number[] },
  { coordinatorRegionCodes, reportRegionPath }: { coordinatorRegionCodes: readonly string[]; reportRegionPath: readonly string[] },
): boolean {
  if (!user) return false;
  if (isAdmin(user) || report.reporterUserId === user.id) return true;
  if (intersects(user.cooperativeIds, report.cooperativeIds)) return true;
  return hasRole(user, 'coordinator') && coversRegion(coordinatorRegionCodes, reportRegionPath);
}

/** Triage a report (acknowledge, assign, resolve): coordinators covering its region, and admins. */
export function canTriageReport(
  user: Actor,
  { coordinatorRegionCodes, reportRegionPath }: { coordinatorRegionCodes: readonly string[]; reportRegionPath: readonly string[] },
): boolean {
  if (isAdmin(user)) return true;
  return hasRole(user, 'coordinator') && coversRegion(coordinatorRegionCodes, reportRegionPath);
}

/** The regions a coordinator covers (empty for anyone else). */
export async function getCoordinatorRegionCodes(db: Db, userId: string): Promise<string[]> {
  const rows = await db.select({ regionCode: coordinatorRegions.regionCode }).from(coordinatorRegions).where(eq(coordinatorRegions.userId, userId));
  return rows.map((r) => r.regionCode);
}

/** The signed-in user when the check passes; a visitor is sent to log in, anyone else gets 403. */
export async function requireUserWith(request: Request, app: AppContext, check: (user: CurrentUser) => boolean): Promise<CurrentUser> {
  const user = await requireUser(request, app);
  if (!check(user)) forbidden();
  return user;
}

/** The signed-in user holding one of the roles (403 otherwise). */
export function requireRole(request: Request, app: AppContext, role: Role | readonly Role[]): Promise<CurrentUser> {
  const roles: readonly Role[] = typeof role === 'string' ? [role] : role;
  return requireUserWith(request, app, (user) => roles.some((r) => hasRole(user, r)));
}

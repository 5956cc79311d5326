/**
 * Onboarding and administration checks, pure like permissions.server.ts (to be merged into it):
 * who manages a cooperative's members, who may accept an invitation, who uses the review desk
 * and the admin console, who changes site roles, who reads a GI application's evidence.
 */
import type { Role } from '~/db/schema';
import { canDecideGiAuthorization, canManageCooperative, hasRole, isAdmin, isAssociationStaff, type Actor } from './permissions.server';

export type MemberRole = 'owner' | 'member';

/** Invite, cancel invitations and remove members: the cooperative's owners, and admins. */
export function canManageCooperativeMembers(user: Actor, cooperativeId: number, memberRole: MemberRole | null): boolean {
  if (!user) return false;
  if (isAdmin(user)) return true;
  return user.cooperativeIds.includes(cooperativeId) && memberRole === 'owner';
}

/**
 * Apply for a GI authorization on the cooperative's behalf: any member, and admins. The
 * cooperative must still be in good standing (not rejected or suspended).
 */
export function canApplyForGiAuthorization(user: Actor, cooperative: { id: number; verificationStatus: string }): boolean {
  if (cooperative.verificationStatus === 'rejected' || cooperative.verificationStatus === 'suspended') return false;
  return canManageCooperative(user, cooperative.id);
}

/** The review desk: association staff, coordinators and admins (each sees only their own share). */
export function canUseReviewDesk(user: Actor): boolean {
  return isAdmin(user) || hasRole(user, 'coordinator') || isAssociationStaff(user);
}

/** The admin console: admins only. */
export function canUseAdminConsole(user: Actor): boolean {
  return isAdmin(user);
}

/** The site roles an admin grants and revokes; 'customer' is everyone's and never changes. */
export const GRANTABLE_ROLES = ['coordinator', 'admin'] as const satisfies readonly Role[];
export type GrantableRole = (typeof GRANTABLE_ROLES)[number];

/**
 * Grant or revoke a site role: admins — but an admin never removes their own admin role, so the
 * site cannot lose its last administrator by a slip of the hand.
 */
export function canChangeRole(user: Actor, target: { userId: string; role: Role; grant: boolean }): boolean {
  if (!isAdmin(user) || target.role === 'customer') return false;
  return !(user!.id === target.userId && target.role === 'admin' && !target.grant);
}

/** An invitation is accepted only by the account signed in with the e-mail address or mobile it names. */
export function canAcceptInvitation(user: { email: string | null; mobile: string | null } | null, invitation: { contact: string }): boolean {
  if (!user) return false;
  const contact = invitation.contact.trim().toLowerCase();
  return (user.email !== null && user.email.toLowerCase() === contact) || (user.mobile !== null && user.mobile === contact);
}

/**
 * Read the evidence of a GI authorization application: members of the applying cooperative
 * (and admins), and whoever may decide it.
 */
export function canReadGiEvidence(
  user: Actor,
  authorization: { cooperativeId: number; giId: number },
  userAssociationGiIds: readonly number[],
  isCoordinatorForRegion: boolean,
): boolean {
  return (
    canManageCooperative(user, authorization.cooperativeId) ||
    canDecideGiAuthorization(user, authorization, userAssociationGiIds, isCoordinatorForRegion)
  );
}

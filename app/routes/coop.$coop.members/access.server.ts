import type { Params } from '@remix-run/react';
import { getCooperativeBySlug, getMemberRole } from '~/models/cooperatives.server';
import { requireUser } from '~/utils/auth.server';
import type { AppContext } from '~/utils/context.server';
import { notFound } from '~/utils/http.server';
import { canManageCooperativeMembers } from '~/utils/permissions-onboarding.server';
import { canManageCooperative } from '~/utils/permissions.server';

/**
 * The cooperative a portal URL names and the signed-in user's standing in it. As in the rest of
 * the portal, anyone who is neither its member nor an admin gets 404: the portal does not even
 * confirm that the cooperative exists.
 */
export async function requireCooperativeAccess(request: Request, params: Params, app: AppContext) {
  const user = await requireUser(request, app);
  const cooperative = await getCooperativeBySlug(app.db, params.coop ?? '');
  if (!cooperative || !canManageCooperative(user, cooperative.id)) notFound();
  const role = await getMemberRole(app.db, cooperative.id, user.id);
  return { user, cooperative, role, canManageMembers: canManageCooperativeMembers(user, cooperative.id, role) };
}

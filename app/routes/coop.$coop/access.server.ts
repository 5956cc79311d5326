/**
 * Access to the cooperative portal, shared by every /coop/<slug>/… route: the signed-in user
 * must manage the cooperative (a member, or an admin). Anyone else gets 404, so the portal does
 * not even confirm that a cooperative or product exists.
 */
import type { Params } from '@remix-run/react';
import { getProductDetail, getPortalCooperative, type PortalCooperative, type ProductDetail, type WriteContext } from '~/models/products.server';
import { requireUser, type CurrentUser } from '~/utils/auth.server';
import type { AppContext } from '~/utils/context.server';
import { notFound } from '~/utils/http.server';
import { canManageCooperative } from '~/utils/permissions.server';

export interface PortalAccess {
  user: CurrentUser;
  cooperative: PortalCooperative;
  ctx: WriteContext;
}

export async function requirePortalAccess(request: Request, app: AppContext, params: Params): Promise<PortalAccess> {
  const user = await requireUser(request, app);
  const cooperative = params.coop && /^[a-z0-9-]{1,80}$/.test(params.coop) ? await getPortalCooperative(app.db, params.coop) : undefined;
  if (!cooperative || !canManageCooperative(user, cooperative.id)) notFound();
  return { user, cooperative, ctx: { actorUserId: user.id, now: app.now() } };
}

/** A positive integer id from the URL or a form field, or 404. */
export function parseId(value: string | undefined | null): number {
  const id = value && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) notFound();
  return id;
}

/** The portal access plus the product in the URL, which must belong to this cooperative (else 404). */
export async function requirePortalProduct(request: Request, app: AppContext, params: Params): Promise<PortalAccess & { detail: ProductDetail; productId: number }> {
  const access = await requirePortalAccess(request, app, params);
  const productId = parseId(params.id);
  const detail = await getProductDetail(app.db, access.cooperative.id, productId);
  if (!detail) notFound();
  return { ...access, detail, productId };
}

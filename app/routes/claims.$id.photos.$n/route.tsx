import { type LoaderFunctionArgs } from '@remix-run/node';
import { getClaimAccess } from '~/models/claims.server';
import { requireUser } from '~/utils/auth.server';
import { notFound } from '~/utils/http.server';
import { canManageCooperative, canUseCoordinatorDesk } from '~/utils/permissions.server';
import { readPrivateUpload } from '~/utils/uploads.server';

/** A claim photo, for the buyer who filed it, the cooperative concerned, and coordinators; 404 for anyone else. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const access = await getClaimAccess(app.db, params.id ?? '');
  if (!access) notFound();
  const allowed = access.buyerId === user.id || canManageCooperative(user, access.cooperativeId) || canUseCoordinatorDesk(user);
  const n = /^\d{1,2}$/.test(params.n ?? '') ? Number(params.n) : -1;
  const path = access.claim.photoPaths[n];
  if (!allowed || !path) notFound();
  const file = await readPrivateUpload(app.env.UPLOAD_DIR, path);
  if (!file) notFound();
  return new Response(new Uint8Array(file.body), {
    headers: { 'Content-Type': file.contentType, 'Content-Length': String(file.size), 'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff' },
  });
}

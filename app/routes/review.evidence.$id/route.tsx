import type { LoaderFunctionArgs } from '@remix-run/node';
import { getEvidencePath } from '~/models/gi-authorizations.server';
import { requireUser } from '~/utils/auth.server';
import { notFound } from '~/utils/http.server';
import { readPrivateUpload } from '~/utils/uploads.server';
import { idParam } from '../review/access.server';

/**
 * A GI application's evidence document, for the applying cooperative's members and whoever may
 * decide the application. Anyone else gets 404, as if it did not exist.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const id = idParam(params.id);
  const path = id === null ? null : await getEvidencePath(app.db, user, id);
  if (!path) notFound();
  const file = await readPrivateUpload(app.env.UPLOAD_DIR, path);
  if (!file) notFound();
  const extension = file.contentType === 'application/pdf' ? 'pdf' : 'webp';
  return new Response(new Uint8Array(file.body), {
    headers: {
      'Content-Type': file.contentType,
      'Content-Length': String(file.size),
      'Content-Disposition': `attachment; filename="gi-evidence-${id}.${extension}"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    },
  });
}

import type { LoaderFunctionArgs } from '@remix-run/node';
import { getReportAttachmentForViewer } from '~/models/reports.server';
import { requireUser } from '~/utils/auth.server';
import { notFound } from '~/utils/http.server';
import { readPrivateUpload } from '~/utils/uploads.server';

/**
 * A report's attachment, for whoever may read the report; anyone else gets 404, as if it did
 * not exist. Served inline (photos open on a phone) but sandboxed and never sniffed.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUser(request, app);
  const attachmentId = /^\d{1,9}$/.test(params.attachmentId ?? '') ? Number(params.attachmentId) : null;
  const attachment = attachmentId === null ? null : await getReportAttachmentForViewer(app.db, user, params.id ?? '', attachmentId);
  if (!attachment) notFound();
  const file = await readPrivateUpload(app.env.UPLOAD_DIR, attachment.path);
  if (!file) notFound();
  const extension = file.contentType === 'application/pdf' ? 'pdf' : 'webp';
  return new Response(new Uint8Array(file.body), {
    headers: {
      'Content-Type': file.contentType,
      'Content-Length': String(file.size),
      'Content-Disposition': `inline; filename="report-attachment-${attachmentId}.${extension}"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; img-src 'self'; sandbox",
    },
  });
}

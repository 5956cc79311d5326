import type { LoaderFunctionArgs } from '@remix-run/node';
import { exportProductsCsv } from '~/models/product-csv.server';
import { chinaDate } from '~/utils/dates';
import { requirePortalAccess } from '~/routes/coop.$coop/access.server';

/** The cooperative's products and stock as a CSV download (UTF-8 with BOM, for Excel). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { cooperative } = await requirePortalAccess(request, context.app, params);
  const csv = await exportProductsCsv(context.app.db, cooperative.id);
  const fileName = `${cooperative.slug}-products-${chinaDate(context.app.now())}.csv`;
  return new Response(csv, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${fileName}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

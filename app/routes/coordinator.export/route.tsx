import type { LoaderFunctionArgs } from '@remix-run/node';
import { attachmentDisposition, exportBoardCsv, getBoardScope, parseBoardFilter } from '~/models/report-board.server';
import { chinaDate } from '~/utils/dates';
import { createI18n } from '~/utils/i18n';
import { getLocale } from '~/utils/locale.server';
import { canUseCoordinatorDesk, requireUserWith } from '~/utils/permissions.server';

/** The board's filtered reports as CSV for upward reporting: the same query string as /coordinator. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWith(request, app, canUseCoordinatorDesk);
  const filter = parseBoardFilter(new URL(request.url).searchParams);
  const now = app.now();
  const { t } = createI18n(getLocale(request));
  const csv = await exportBoardCsv(
    app.db,
    { scope: await getBoardScope(app.db, user), actorId: user.id, now, ackTargetHours: app.env.REPORT_ACK_TARGET_HOURS },
    filter,
    (key, options) => t(key, options ?? {}),
  );
  const day = chinaDate(now);
  return new Response(csv, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': attachmentDisposition(`logistics-reports-${day}.csv`, `${t('reports:csv.fileName')}-${day}.csv`),
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

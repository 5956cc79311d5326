import type { LoaderFunctionArgs } from '@remix-run/node';
import { exportAccountData } from '~/models/account.server';
import { requireUser } from '~/utils/auth.server';

/** A download of the signed-in person's own data (PIPL art. 45), as JSON. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context.app);
  const exported = await exportAccountData(context.app, user.id);
  const day = exported.exportedAt.slice(0, 10);
  return new Response(JSON.stringify(exported, null, 2), {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="dibiao-account-${day}.json"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

import type { LoaderFunctionArgs } from '@remix-run/node';
import { getHealth } from '~/models/health.server';

/** JSON health report for load balancers and people; 503 when the database does not answer. */
export async function loader({ context }: LoaderFunctionArgs) {
  const health = await getHealth(context.app);
  return Response.json(health, { status: health.status === 'ok' ? 200 : 503, headers: { 'Cache-Control': 'no-store' } });
}

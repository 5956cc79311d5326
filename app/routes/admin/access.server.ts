import type { AppContext } from '~/utils/context.server';
import { requireUserWith } from '~/utils/permissions.server';
import { canUseAdminConsole } from '~/utils/permissions-onboarding.server';

/** Every admin route checks for itself: a layout's loader does not guard its children's. */
export function requireAdmin(request: Request, app: AppContext) {
  return requireUserWith(request, app, canUseAdminConsole);
}

/** The page number in `?page=`, 1 when absent or nonsense. */
export function pageParam(url: URL): number {
  const page = Number(url.searchParams.get('page'));
  return Number.isInteger(page) && page > 1 && page < 10_000 ? page : 1;
}

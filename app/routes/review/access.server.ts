import { requireUserWith } from '~/utils/permissions.server';
import type { AppContext } from '~/utils/context.server';
import { canUseReviewDesk } from '~/utils/permissions-onboarding.server';

/** Every review route checks for itself: a layout's loader does not guard its children's. */
export function requireReviewer(request: Request, app: AppContext) {
  return requireUserWith(request, app, canUseReviewDesk);
}

/** The number in a `:id` segment, or null (answered with 404). */
export function idParam(value: string | undefined): number | null {
  return value && /^\d{1,9}$/.test(value) ? Number(value) : null;
}

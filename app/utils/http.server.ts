/** Small response helpers shared by loaders and actions. */

export { safeRedirectPath } from './safe-redirect';

/** Throws a Response with `status` unless `condition` holds (as Epic Stack's invariantResponse). */
export function invariantResponse(condition: unknown, message: string, status = 400): asserts condition {
  if (!condition) {
    throw new Response(message, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  }
}

export function notFound(message = 'Not found'): never {
  throw new Response(message, { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

export function forbidden(message = 'Forbidden'): never {
  throw new Response(message, { status: 403, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}


/** Small response helpers shared by loaders and actions. */

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

/** A same-site relative path to return to after a form, never an outside address. */
export function safeRedirectPath(to: FormDataEntryValue | string | null | undefined, fallback = '/'): string {
  if (typeof to !== 'string' || !to.startsWith('/') || to.startsWith('//') || to.startsWith('/\\')) return fallback;
  return to;
}

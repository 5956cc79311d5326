/** A same-site relative path to return to after a form, never an outside address (server and browser). */
export function safeRedirectPath(to: FormDataEntryValue | string | null | undefined, fallback = '/'): string {
  if (typeof to !== 'string' || !to.startsWith('/') || to.startsWith('//') || to.startsWith('/\\')) return fallback;
  // A Location header holds visible ASCII only: no CR/LF (header injection), no raw non-ASCII.
  if (!/^[\x21-\x7e]*$/.test(to) || to.length > 2000) return fallback;
  return to;
}

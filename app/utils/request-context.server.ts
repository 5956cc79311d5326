/**
 * The request being served, for log lines written anywhere while serving it: server.js runs each
 * request inside `runWithRequestId`, and the logger's mixin adds `requestId` to every line.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';

interface RequestScope {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** A proxy's id is kept when it looks like one; anything else is replaced (ids end up in logs). */
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{8,64}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && ACCEPTED_ID.test(value) ? value : crypto.randomUUID();
}

export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Paths whose last part is a secret (a password-reset or invitation token): logged without it. */
const SECRET_PATHS = [/^(\/reset-password\/)[^/]+/, /^(\/invitations\/)[^/]+/];

/** The request path as the access log may show it. */
export function loggablePath(path: string): string {
  for (const pattern of SECRET_PATHS) if (pattern.test(path)) return path.replace(pattern, '$1:token');
  return path;
}

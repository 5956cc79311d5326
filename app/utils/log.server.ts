/** Structured JSON logs. Secrets and personal data are redacted by path, wherever they appear. */
import pino from 'pino';
import { currentRequestId } from './request-context.server';

export type Logger = pino.Logger;

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { app: 'dibiao-zhunong' },
    // Every line written while serving a request names it (server.js sets the id per request).
    mixin() {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'passwordHash', '*.passwordHash', 'address', '*.address', 'req.headers.cookie', 'req.headers.authorization'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

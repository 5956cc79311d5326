/** Structured JSON logs. Secrets and personal data are redacted by path, wherever they appear. */
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { app: 'dibiao-zhunong' },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'passwordHash', '*.passwordHash', 'address', '*.address', 'req.headers.cookie', 'req.headers.authorization'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

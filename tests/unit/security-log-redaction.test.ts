/**
 * The app's logger keeps passwords, tokens, password hashes, addresses and the session cookie out
 * of its JSON lines (app/utils/log.server.ts, redaction by path). The lines are captured from the
 * logger's own destination, so what is checked is exactly what would reach stdout.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '~/utils/log.server';

const SECRETS = {
  password: 'hunter2-秭归脐橙-password',
  token: 'reset-token-4f9a1c0e7b',
  passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
  address: '湖北省宜昌市秭归县茅坪镇 88 号',
  cookie: 'session=IjJmNGQ.c2lnbmF0dXJl',
  authorization: 'Bearer sk_live_not_a_real_key',
};

/** A logger from createLogger whose lines land in an array instead of stdout. */
function capturedLogger(): { logger: Logger; lines: () => Record<string, unknown>[]; raw: () => string } {
  const logger = createLogger('info');
  const written: string[] = [];
  (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = { write: (line: string) => written.push(line) };
  return {
    logger,
    raw: () => written.join(''),
    lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

function expectNoSecret(raw: string) {
  for (const [name, value] of Object.entries(SECRETS)) expect(raw, `${name} reached the log`).not.toContain(value);
}

describe('log redaction', () => {
  it('censors passwords, tokens, hashes and addresses at the top level and one level down', () => {
    const { logger, lines, raw } = capturedLogger();
    const { password, token, passwordHash, address } = SECRETS;
    logger.info({ password, token, passwordHash, address, orderId: 'o-1' }, 'top level');
    logger.warn({ user: { id: 'u-1', password, passwordHash }, reset: { token }, order: { id: 'o-2', address } }, 'nested');
    expectNoSecret(raw());
    const [top, nested] = lines();
    expect(top).toMatchObject({ password: '[redacted]', token: '[redacted]', passwordHash: '[redacted]', address: '[redacted]', orderId: 'o-1', msg: 'top level' });
    expect(nested).toMatchObject({
      user: { id: 'u-1', password: '[redacted]', passwordHash: '[redacted]' },
      reset: { token: '[redacted]' },
      order: { id: 'o-2', address: '[redacted]' },
    });
  });

  it('censors the Cookie and Authorization headers of a logged request', () => {
    const { logger, lines, raw } = capturedLogger();
    logger.info({ req: { method: 'POST', url: '/login', headers: { cookie: SECRETS.cookie, authorization: SECRETS.authorization, 'user-agent': 'test' } } }, 'request');
    expectNoSecret(raw());
    expect(lines()[0]).toMatchObject({ req: { method: 'POST', url: '/login', headers: { cookie: '[redacted]', authorization: '[redacted]', 'user-agent': 'test' } } });
  });

  it('censors in child loggers too, and keeps the JSON shape (one object per line)', () => {
    const { logger, lines, raw } = capturedLogger();
    logger.child({ job: 'mail.send' }).error({ token: SECRETS.token, user: { address: SECRETS.address } }, 'child');
    expectNoSecret(raw());
    expect(lines()).toEqual([expect.objectContaining({ job: 'mail.send', token: '[redacted]', user: { address: '[redacted]' }, level: 50, app: 'dibiao-zhunong' })]);
  });
});

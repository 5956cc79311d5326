import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv, publicEnv } from '~/utils/env.server';

describe('environment', () => {
  it('defaults to the embedded database, Postgres search and offline payments', () => {
    const env = parseEnv({});
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.MEILI_URL).toBeUndefined();
    expect(env.STRIPE_SECRET_KEY).toBeUndefined();
    expect(env.PGLITE_DIR).toBe('.data/pglite');
    expect(env.MAIL_DIR).toBe('.data/mail');
    expect(env.UPLOAD_DIR).toBe('.data/uploads');
    expect(env.PORT).toBe(3000);
  });

  it('treats empty strings as unset', () => {
    expect(parseEnv({ DATABASE_URL: '', MEILI_URL: ' ' }).DATABASE_URL).toBeUndefined();
  });

  it('names the variable when a value is bad', () => {
    expect(() => parseEnv({ PORT: 'eighty' })).toThrowError(/PORT/);
    expect(() => parseEnv({ DATABASE_URL: 'mysql://x' })).toThrowError(/DATABASE_URL: must start with postgres:/);
    expect(() => parseEnv({ MEILI_URL: 'not a url' })).toThrowError(/MEILI_URL/);
    expect(() => parseEnv({ STRIPE_SECRET_KEY: 'pk_test_123' })).toThrowError(/STRIPE_SECRET_KEY/);
    expect(() => parseEnv({ PORT: 'x' })).toThrowError(EnvError);
  });

  it('requires SESSION_SECRET when DATABASE_URL is set', () => {
    expect(() => parseEnv({ DATABASE_URL: 'postgres://localhost/x' })).toThrowError(/SESSION_SECRET: is required when DATABASE_URL is set/);
    expect(() => parseEnv({ DATABASE_URL: 'postgres://localhost/x', SESSION_SECRET: 'short' })).toThrowError(/SESSION_SECRET: must be at least 32/);
    expect(parseEnv({ DATABASE_URL: 'postgres://localhost/x', SESSION_SECRET: 'a'.repeat(32) }).DATABASE_URL).toBe('postgres://localhost/x');
  });

  it('runs several server processes only on PostgreSQL', () => {
    expect(parseEnv({}).WEB_CONCURRENCY).toBe(1);
    expect(() => parseEnv({ WEB_CONCURRENCY: '2' })).toThrowError(/WEB_CONCURRENCY: above 1 needs DATABASE_URL/);
    expect(() => parseEnv({ WEB_CONCURRENCY: '0' })).toThrowError(/WEB_CONCURRENCY/);
    expect(parseEnv({ WEB_CONCURRENCY: '2', DATABASE_URL: 'postgres://localhost/x', SESSION_SECRET: 'a'.repeat(32) }).WEB_CONCURRENCY).toBe(2);
  });

  it('exposes only public values to the browser', () => {
    const env = parseEnv({ SESSION_SECRET: 's'.repeat(40), STRIPE_SECRET_KEY: 'sk_test_abc', OPERATOR_ICP: '鄂ICP备12345678号' });
    const exposed = JSON.stringify(publicEnv(env));
    expect(exposed).toContain('鄂ICP备12345678号');
    expect(exposed).not.toContain('sk_test_abc');
    expect(exposed).not.toContain('s'.repeat(40));
  });
});

describe('payment and report settings', () => {
  it('has the documented defaults', () => {
    const env = parseEnv({});
    expect(env.STRIPE_PAYMENT_METHODS).toEqual(['card']);
    expect(env.STRIPE_CHECKOUT_EXPIRY_MINUTES).toBe(60);
    expect(env.BANK_TRANSFER_EXPIRY_HOURS).toBe(48);
    expect(env.REPORT_ACK_TARGET_HOURS).toBe(24);
  });

  it('takes payment methods as configuration and refuses unknown ones', () => {
    expect(parseEnv({ STRIPE_PAYMENT_METHODS: 'card, alipay,wechat_pay' }).STRIPE_PAYMENT_METHODS).toEqual(['card', 'alipay', 'wechat_pay']);
    expect(() => parseEnv({ STRIPE_PAYMENT_METHODS: 'card,bitcoin' })).toThrowError(/STRIPE_PAYMENT_METHODS/);
    expect(() => parseEnv({ STRIPE_CHECKOUT_EXPIRY_MINUTES: '10' })).toThrowError(/STRIPE_CHECKOUT_EXPIRY_MINUTES: must be at least 30/);
  });
});

/**
 * The environment, validated once at start-up. A bad value stops the app with a message
 * naming the variable. Only `publicEnv` may reach the browser.
 */
import path from 'node:path';
import { z } from 'zod';

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .url()
    .refine((v) => protocols.some((p) => v.startsWith(`${p}:`)), {
      message: `must start with ${protocols.map((p) => `${p}:`).join(' or ')}`,
    })
    .optional();

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: z.preprocess(emptyToUndefined, optionalUrl(['postgres', 'postgresql'])),
    DATA_DIR: z.string().default('.data'),
    SESSION_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
    MEILI_URL: z.preprocess(emptyToUndefined, optionalUrl(['http', 'https'])),
    MEILI_MASTER_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
    STRIPE_SECRET_KEY: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^(sk|rk)_(test|live)_/, 'must be a Stripe secret key (sk_test_… or sk_live_…)')
        .optional(),
    ),
    STRIPE_WEBHOOK_SECRET: z.preprocess(emptyToUndefined, z.string().startsWith('whsec_').optional()),
    SMTP_URL: z.preprocess(emptyToUndefined, optionalUrl(['smtp', 'smtps'])),
    MAIL_FROM: z.string().default('地标助农 <noreply@dibiao.example>'),
    UPLOAD_DIR: z.preprocess(emptyToUndefined, z.string().optional()),
    MAIL_DIR: z.preprocess(emptyToUndefined, z.string().optional()),
    PUBLIC_URL: z.preprocess(emptyToUndefined, optionalUrl(['http', 'https'])),
    OPERATOR_NAME: z.string().default('地标助农抗疫专区运营方（演示）'),
    OPERATOR_ICP: z.string().default('鄂ICP备00000000号（演示）'),
    OPERATOR_BANK_PAYEE: z.string().default('地标助农抗疫专区运营方（演示）'),
    OPERATOR_BANK_NAME: z.string().default('中国农业银行武汉分行（演示）'),
    OPERATOR_BANK_ACCOUNT: z.string().default('0000 0000 0000 0000 000'),
    STRIPE_PAYMENT_METHODS: z
      .string()
      .default('card')
      .transform((v) => v.split(',').map((m) => m.trim()).filter(Boolean))
      .pipe(z.array(z.enum(['card', 'alipay', 'wechat_pay'])).min(1, 'must name at least one of card, alipay, wechat_pay')),
    STRIPE_CHECKOUT_EXPIRY_MINUTES: z.coerce.number().int().min(30, 'must be at least 30 (Stripe’s minimum)').max(1440).default(60),
    BANK_TRANSFER_EXPIRY_HOURS: z.coerce.number().positive().max(24 * 14).default(48),
    REPORT_ACK_TARGET_HOURS: z.coerce.number().positive().max(24 * 14).default(24),
    JOBS_IN_PROCESS: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    SEED_ON_START: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    /** A failed login from an address that keeps failing answers late (see failedLoginDelayMs). */
    LOGIN_FAILURE_DELAY_MS: z.coerce.number().int().min(0).max(5000).default(200),
    /** The full-page cache for anonymous visitors (see page-cache.server.ts). */
    PAGE_CACHE: z
      .enum(['on', 'off'])
      .default('on')
      .transform((v) => v === 'on'),
    PAGE_CACHE_TTL_SECONDS: z.coerce.number().min(1).max(300).default(10),
    /** How long zone aggregates (counts per province and GI, first pages) are reused; 0 turns it off (memo.server.ts). */
    CATALOG_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(30),
    /** Server processes sharing the port (server.js forks them); more than one needs PostgreSQL. */
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.WEB_CONCURRENCY > 1 && !env.DATABASE_URL) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['WEB_CONCURRENCY'],
        message: 'above 1 needs DATABASE_URL: the embedded database (PGlite) lives inside one process',
      });
    }
    if (env.DATABASE_URL && !env.SESSION_SECRET) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['SESSION_SECRET'],
        message: 'is required when DATABASE_URL is set (generate one with `openssl rand -hex 32`)',
      });
    }
  })
  .transform((env) => ({
    ...env,
    UPLOAD_DIR: env.UPLOAD_DIR ?? path.join(env.DATA_DIR, 'uploads'),
    MAIL_DIR: env.MAIL_DIR ?? path.join(env.DATA_DIR, 'mail'),
    PGLITE_DIR: path.join(env.DATA_DIR, 'pglite'),
  }));

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {}

/** Parses an environment; throws an EnvError whose message names every bad variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new EnvError(`Invalid environment:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** The values the browser may see. */
export function publicEnv(env: Env) {
  return {
    operatorName: env.OPERATOR_NAME,
    operatorIcp: env.OPERATOR_ICP,
    stripeEnabled: Boolean(env.STRIPE_SECRET_KEY),
  };
}

/**
 * E-mail goes through the outbox: `enqueueEmail` in the caller's transaction, sent by the job
 * runner through a transport — SMTP when SMTP_URL is set, otherwise one .eml file per message
 * in MAIL_DIR, so development and tests can read what would have been sent.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { z } from 'zod';
import type { Db } from './db.server';
import type { Env } from './env.server';
import { enqueueJob, PermanentJobError, type JobHandler } from './jobs.server';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export const EMAIL_JOB = 'email.send';

export function enqueueEmail(db: Db, message: EmailMessage): Promise<number> {
  return enqueueJob(db, { kind: EMAIL_JOB, payload: message });
}

/** What an e-mail job's payload must look like; anything else is refused, never half-sent. */
export const emailMessageSchema = z.object({
  to: z.string().trim().email(),
  // RFC 5322 caps a header line at 998 characters; a subject is one line.
  subject: z
    .string()
    .trim()
    .min(1)
    .max(900)
    .refine((s) => !/[\r\n]/.test(s), 'must be one line'),
  text: z.string().min(1),
  html: z.string().min(1).optional(),
}) satisfies z.ZodType<EmailMessage>;

export interface OutgoingEmail extends EmailMessage {
  from: string;
  /** Stable across retries of one job, so a duplicate delivery shows as the same message. */
  messageId?: string;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'file';
  /** `name` becomes part of the .eml file name (a job id); the file transport makes one up without it. */
  send(message: OutgoingEmail, options?: { name?: string; date?: Date }): Promise<void>;
  close(): void;
}

export function createMailTransport(env: Pick<Env, 'SMTP_URL' | 'MAIL_DIR'>): MailTransport {
  if (env.SMTP_URL) {
    const transporter = nodemailer.createTransport({
      url: env.SMTP_URL,
      // Fail well inside the job lock timeout instead of nodemailer's minutes-long defaults.
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 60_000,
    });
    return {
      kind: 'smtp',
      async send(message, options) {
        await transporter.sendMail(toNodemailer(message, options?.date));
      },
      close: () => transporter.close(),
    };
  }

  const mailDir = env.MAIL_DIR;
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    kind: 'file',
    async send(message, options) {
      const date = options?.date ?? new Date();
      const info = await composer.sendMail(toNodemailer(message, date));
      const name = options?.name ?? crypto.randomBytes(6).toString('hex');
      // Colons are not allowed in Windows file names.
      const file = path.join(mailDir, `${date.toISOString().replace(/:/g, '-')}-${name}.eml`);
      await fs.mkdir(mailDir, { recursive: true });
      // Written under a temporary name and renamed, so a reader never sees half a message.
      const partial = `${file}.${process.pid}.partial`;
      await fs.writeFile(partial, info.message as Buffer);
      await fs.rename(partial, file);
    },
    close: () => composer.close(),
  };
}

function toNodemailer(message: OutgoingEmail, date?: Date): SendMailOptions {
  return {
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    date,
  };
}

function domainOf(address: string): string {
  return /@([^\s>]+)/.exec(address)?.[1] ?? 'localhost';
}

/** The job handler for EMAIL_JOB. A malformed payload can never succeed, so it goes dead at once. */
export function emailJobHandler(transport: MailTransport, from: string): JobHandler {
  return async (payload, ctx) => {
    const parsed = emailMessageSchema.safeParse(payload);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
      throw new PermanentJobError(`malformed e-mail payload: ${problems}`);
    }
    await transport.send(
      { ...parsed.data, from, messageId: `<email-job-${ctx.jobId}@${domainOf(from)}>` },
      { name: `job-${ctx.jobId}`, date: ctx.now() },
    );
    ctx.logger.info({ transport: transport.kind }, 'e-mail sent');
  };
}

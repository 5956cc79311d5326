import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { SMTPServer, type SMTPServerEnvelope } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jobs } from '~/db/schema';
import { startBackgroundWork } from '~/utils/background.server';
import { enqueueJob, PermanentJobError } from '~/utils/jobs.server';
import { createMailTransport, EMAIL_JOB, emailJobHandler, enqueueEmail, type EmailMessage } from '~/utils/mail.server';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

// ---- a small reader for what nodemailer writes: RFC 2047 headers, base64 / quoted-printable bodies

function decodeQuotedPrintable(text: string, inHeader: boolean): Buffer {
  const bytes: number[] = [];
  const source = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(source.slice(i + 1, i + 3))) {
      bytes.push(parseInt(source.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (ch === '_' && inHeader) bytes.push(0x20);
    else bytes.push(...Buffer.from(ch, 'utf8'));
  }
  return Buffer.from(bytes);
}

/** Decodes encoded-words; adjacent words are joined as bytes, since a character may be split across them. */
function decodeHeaderValue(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  return value
    .replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(/(?:=\?[^?]+\?[BbQq]\?[^?]*\?=)+/g, (run) => {
      const chunks = [...run.matchAll(word)].map(([, , encoding, text]) =>
        encoding!.toUpperCase() === 'B' ? Buffer.from(text!, 'base64') : decodeQuotedPrintable(text!, true),
      );
      return Buffer.concat(chunks).toString('utf8');
    });
}

interface ParsedPart {
  headers: Map<string, string>;
  body: string;
}

function parsePart(raw: string): ParsedPart {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n(?=[ \t])/g, '');
  const headers = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(split).replace(/^\r?\n\r?\n/, '') };
}

function decodeBody(part: ParsedPart): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body, false).toString('utf8');
  return part.body;
}

/** The decoded subject and the text of each part, by content type. */
function readMessage(raw: string) {
  const message = parsePart(raw);
  const bodies = new Map<string, string>();
  const collect = (part: ParsedPart) => {
    const type = part.headers.get('content-type') ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
    if (type.startsWith('multipart/') && boundary) {
      const sections = part.body.split(`--${boundary}`).slice(1, -1);
      for (const section of sections) collect(parsePart(section.replace(/^\r?\n/, '')));
    } else {
      bodies.set(type.split(';')[0]!.trim(), decodeBody(part).trim());
    }
  };
  collect(message);
  return { headers: message.headers, subject: decodeHeaderValue(message.headers.get('subject') ?? ''), bodies };
}

// ----

const order: EmailMessage = {
  to: 'buyer@example.com',
  subject: '您的订单已发货：秭归脐橙（地理标志产品）5 kg',
  text: '您好！您在地标助农抗疫专区购买的秭归脐橙已由屈乡果业合作社发出。感谢您支持湖北农户。',
};

function emlFiles(dir: string) {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
}

describeEachDriver('e-mail delivery', (t) => {
  beforeEach(async () => {
    await t.database.db.delete(jobs);
  });

  describe('without SMTP_URL', () => {
    it('writes each queued message as an .eml file in MAIL_DIR, with the Chinese subject and body decodable', async () => {
      const app = createTestApp(t.database, { JOBS_IN_PROCESS: 'false' });
      const jobId = await t.database.db.transaction((tx) => enqueueEmail(tx, order));
      const background = await startBackgroundWork(app);
      try {
        expect(await background.runner.runDue()).toBe(1);
      } finally {
        await background.stop();
      }

      const files = emlFiles(app.env.MAIL_DIR);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}T[\\d-]+\\.\\d{3}Z-job-${jobId}\\.eml$`));
      const raw = fs.readFileSync(path.join(app.env.MAIL_DIR, files[0]!), 'utf8');
      // Headers are 7-bit and lines end in CRLF, as RFC 5322 asks.
      expect(raw.slice(0, raw.indexOf('\r\n\r\n'))).toMatch(/^[\x20-\x7e\r\n\t]+$/);
      expect(raw).toContain('\r\n');

      const message = readMessage(raw);
      expect(message.subject).toBe(order.subject);
      expect(message.bodies.get('text/plain')).toBe(order.text);
      expect(message.headers.get('to')).toBe(order.to);
      expect(decodeHeaderValue(message.headers.get('from')!)).toContain('地标助农');
      // Retries of one job carry the same Message-ID, so a duplicate shows as the same message.
      expect(message.headers.get('message-id')).toBe(`<email-job-${jobId}@dibiao.example>`);
      expect((await t.database.db.select().from(jobs).where(eq(jobs.id, jobId)))[0]?.status).toBe('done');
    });

    it('sends queued mail on its own when JOBS_IN_PROCESS is true', async () => {
      const app = createTestApp(t.database, { JOBS_IN_PROCESS: 'true' });
      const background = await startBackgroundWork(app);
      try {
        await enqueueEmail(app.db, { ...order, html: '<p>您好！<strong>秭归脐橙</strong>已发货。</p>' });
        background.runner.poke();
        await expect.poll(() => emlFiles(app.env.MAIL_DIR).length, { timeout: 10_000 }).toBe(1);
      } finally {
        await background.stop();
      }
      const raw = fs.readFileSync(path.join(app.env.MAIL_DIR, emlFiles(app.env.MAIL_DIR)[0]!), 'utf8');
      const message = readMessage(raw);
      expect(message.bodies.get('text/plain')).toBe(order.text);
      expect(message.bodies.get('text/html')).toBe('<p>您好！<strong>秭归脐橙</strong>已发货。</p>');
    });

    it('refuses a malformed payload: the job goes dead at once, naming the bad fields, and nothing is written', async () => {
      const app = createTestApp(t.database, { JOBS_IN_PROCESS: 'false' });
      const jobId = await enqueueJob(app.db, { kind: EMAIL_JOB, payload: { to: 'not an address', subject: '', text: '正文' } });
      const background = await startBackgroundWork(app);
      try {
        expect(await background.runner.runDue()).toBe(1);
      } finally {
        await background.stop();
      }
      const [row] = await t.database.db.select().from(jobs).where(eq(jobs.id, jobId));
      expect(row).toMatchObject({ status: 'dead', attempts: 1 });
      expect(row?.lastError).toMatch(/malformed e-mail payload: .*to: .*subject: /);
      expect(emlFiles(app.env.MAIL_DIR)).toEqual([]);
    });
  });

  describe('with SMTP_URL', () => {
    const received: { envelope: SMTPServerEnvelope; raw: string }[] = [];
    let refuseRecipient: string | undefined;
    let server: SMTPServer;
    let smtpUrl = '';

    beforeAll(async () => {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onRcptTo(address, _session, callback) {
          if (address.address === refuseRecipient) {
            const error = Object.assign(new Error('mailbox unavailable'), { responseCode: 450 });
            callback(error);
            return;
          }
          callback();
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            received.push({ envelope: session.envelope, raw: Buffer.concat(chunks).toString('utf8') });
            callback();
          });
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      smtpUrl = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    beforeEach(() => {
      received.length = 0;
      refuseRecipient = undefined;
    });

    it('delivers a queued message to the SMTP server, subject and body intact, and writes no file', async () => {
      const app = createTestApp(t.database, { SMTP_URL: smtpUrl, JOBS_IN_PROCESS: 'false' });
      const jobId = await enqueueEmail(app.db, order);
      const background = await startBackgroundWork(app);
      try {
        expect(await background.runner.runDue()).toBe(1);
      } finally {
        await background.stop();
      }

      expect(received).toHaveLength(1);
      expect(received[0]!.envelope.rcptTo.map((r) => r.address)).toEqual([order.to]);
      expect(received[0]!.envelope.mailFrom && received[0]!.envelope.mailFrom.address).toBe('noreply@dibiao.example');
      const message = readMessage(received[0]!.raw);
      expect(message.subject).toBe(order.subject);
      expect(message.bodies.get('text/plain')).toBe(order.text);
      expect((await t.database.db.select().from(jobs).where(eq(jobs.id, jobId)))[0]?.status).toBe('done');
      expect(emlFiles(app.env.MAIL_DIR)).toEqual([]);
    });

    it('keeps a message the server turned away for a later retry, with the reason', async () => {
      refuseRecipient = order.to;
      const app = createTestApp(t.database, { SMTP_URL: smtpUrl, JOBS_IN_PROCESS: 'false' });
      const jobId = await enqueueEmail(app.db, order);
      const background = await startBackgroundWork(app);
      try {
        expect(await background.runner.runDue()).toBe(1);
      } finally {
        await background.stop();
      }
      const [row] = await t.database.db.select().from(jobs).where(eq(jobs.id, jobId));
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row?.lastError).toContain('mailbox unavailable');
      expect(row!.runAt.getTime()).toBeGreaterThan(Date.now());
      expect(received).toEqual([]);
    });
  });
});

describe('emailJobHandler', () => {
  const ctx = { db: undefined as never, now: () => new Date(), logger: pino({ level: 'silent' }), jobId: 1, attempt: 1 };
  const transport = createMailTransport({ SMTP_URL: undefined, MAIL_DIR: path.join(fs.mkdtempSync('/tmp/dibiao-mail-'), 'mail') });

  it.each([
    ['no recipient', { subject: '订单', text: '正文' }],
    ['a subject that spans two lines', { to: 'a@example.com', subject: '订单\r\nBcc: victim@example.com', text: '正文' }],
    ['no text', { to: 'a@example.com', subject: '订单', text: '' }],
    ['not an object at all', '发货通知'],
  ])('refuses a payload with %s', async (_name, payload) => {
    await expect(emailJobHandler(transport, 'shop@dibiao.example')(payload, ctx)).rejects.toBeInstanceOf(PermanentJobError);
  });
});

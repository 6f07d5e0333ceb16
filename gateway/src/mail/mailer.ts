import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends mail through SMTP_URL, or — without one — into a development mailbox under DATA_DIR. */
export interface Mailer {
  readonly kind: 'smtp' | 'dev-mailbox';
  /** The dev mailbox's folder (dev-mailbox only). */
  readonly mailboxDir?: string;
  send(mail: Mail): Promise<void>;
  close(): void;
}

const SEND_TIMEOUT_MS = 10_000;

/**
 * `echo`: print dev-mailbox mails on stdout as readable text, for the person at a terminal (pretty
 * logs). The log line then leaves the text out, so the link is shown once; without `echo` (JSON logs)
 * the text is in the log line and stdout stays one JSON object a line.
 */
export function createMailer(config: Config, logger: Logger, echo = false): Mailer {
  if (config.SMTP_URL) {
    const transport = nodemailer.createTransport({
      url: config.SMTP_URL,
      connectionTimeout: SEND_TIMEOUT_MS,
      greetingTimeout: SEND_TIMEOUT_MS,
      socketTimeout: SEND_TIMEOUT_MS,
    });
    return {
      kind: 'smtp',
      async send(mail) {
        await transport.sendMail({ from: config.MAIL_FROM, ...mail });
      },
      close: () => transport.close(),
    };
  }
  // No mail server (the embedded quick start): each message becomes an .eml file a person can open,
  // and its text goes to the log so the link is one copy-paste away. Production refuses to start
  // without SMTP_URL or OIDC (src/config.ts), so this never carries real users' links.
  const mailboxDir = resolve(join(config.DATA_DIR, 'mailbox'));
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'dev-mailbox',
    mailboxDir,
    async send(mail) {
      const info = await transport.sendMail({ from: config.MAIL_FROM, ...mail });
      await mkdir(mailboxDir, { recursive: true, mode: 0o700 });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = join(mailboxDir, `${stamp}-${randomBytes(3).toString('hex')}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
      logger.info(
        { to: mail.to, subject: mail.subject, file, ...(echo ? {} : { text: mail.text }) },
        'dev mailbox: mail written (no SMTP_URL)',
      );
      if (echo) {
        const body = mail.text.replace(/^/gm, '    ');
        process.stdout.write(`\n  Mail to ${mail.to} (dev mailbox, no SMTP_URL): ${mail.subject}\n${body}\n\n`);
      }
    },
    close: () => {},
  };
}

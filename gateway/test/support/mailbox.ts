import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { eventually } from './eventually.js';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  /** The sign-in link in the mail, if any. */
  link: string | undefined;
}

/** The `email` and `token` carried in a sign-in link's fragment. */
export function linkParams(link: string): { email: string; token: string } {
  const params = new URLSearchParams(new URL(link).hash.slice(1));
  return { email: params.get('email') ?? '', token: params.get('token') ?? '' };
}

export async function parseMail(raw: Buffer | string): Promise<ReceivedMail> {
  const mail = await simpleParser(raw);
  const to = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
  const text = mail.text ?? '';
  return { to: to ?? '', subject: mail.subject ?? '', text, link: /https?:\/\/\S+\/auth\/verify#\S+/.exec(text)?.[0] };
}

/** Every mail in a gateway's dev mailbox (`DATA_DIR/mailbox/*.eml`), oldest first. */
export async function readDevMailbox(dataDir: string): Promise<ReceivedMail[]> {
  const dir = join(dataDir, 'mailbox');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml')).sort();
  return Promise.all(files.map(async (f) => parseMail(await readFile(join(dir, f)))));
}

/** Waits for the newest mail to `email` in the dev mailbox that is not in `seen`. */
export async function nextMailTo(dataDir: string, email: string, seen = 0): Promise<ReceivedMail> {
  return eventually(async () => {
    const mails = (await readDevMailbox(dataDir)).filter((m) => m.to === email);
    if (mails.length <= seen) throw new Error(`no new mail to ${email} yet`);
    return mails.at(-1)!;
  }, 5_000);
}

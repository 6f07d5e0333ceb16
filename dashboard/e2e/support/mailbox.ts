import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { type AddressObject, simpleParser } from 'mailparser';

/**
 * The gateway's dev mailbox: without SMTP_URL it writes every mail it would send as an RFC 5322 file to
 * `<DATA_DIR>/mailbox/*.eml`. Reading those files is how the tests receive sign-in links.
 */
export interface Mail {
  file: string;
  to: string[];
  subject: string;
  date: number;
  text: string;
  html: string;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((group) => group.value.map((entry) => entry.address?.toLowerCase() ?? '')).filter(Boolean);
}

/** Every mail in the mailbox, parsed (MIME, quoted-printable and base64 decoded by mailparser). */
export async function readMailbox(dataDir: string): Promise<Mail[]> {
  const dir = path.join(dataDir, 'mailbox');
  const names = await readdir(dir).catch(() => [] as string[]);
  const mails = await Promise.all(
    names
      .filter((name) => name.endsWith('.eml'))
      .map(async (name) => {
        const file = path.join(dir, name);
        const [raw, info] = await Promise.all([readFile(file), stat(file)]);
        const parsed = await simpleParser(raw);
        return {
          file,
          to: addresses(parsed.to),
          subject: parsed.subject ?? '',
          date: parsed.date?.getTime() ?? info.mtimeMs,
          text: parsed.text ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
        } satisfies Mail;
      }),
  );
  return mails.sort((a, b) => a.date - b.date || a.file.localeCompare(b.file));
}

const VERIFY_LINK = /https?:\/\/[^\s"'<>]+\/auth\/verify#[^\s"'<>]+/;

/** The sign-in link in a mail: from the plain-text part, else from the HTML (whose `&amp;` is undone). */
export function signInLinkOf(mail: Mail): string | null {
  const fromText = VERIFY_LINK.exec(mail.text)?.[0];
  if (fromText) return fromText;
  const fromHtml = VERIFY_LINK.exec(mail.html)?.[0];
  return fromHtml ? fromHtml.replaceAll('&amp;', '&') : null;
}

/**
 * Waits for a mail to `email` that was not among `seen` (file paths present before the request) and
 * returns the newest one's sign-in link.
 */
export async function waitForSignInLink(
  dataDir: string,
  email: string,
  { seen = new Set<string>(), timeoutMs = 15_000 }: { seen?: Set<string>; timeoutMs?: number } = {},
): Promise<string> {
  const address = email.toLowerCase();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const mine = (await readMailbox(dataDir)).filter((mail) => !seen.has(mail.file) && mail.to.includes(address));
    const newest = mine.at(-1);
    if (newest) {
      const link = signInLinkOf(newest);
      if (!link) throw new Error(`the mail ${newest.file} to ${email} holds no /auth/verify link`);
      return link;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no sign-in mail to ${email} arrived in ${path.join(dataDir, 'mailbox')} within ${timeoutMs} ms`);
}

/** The mail files present now, so a later wait only accepts mails that arrive after this moment. */
export async function mailboxSnapshot(dataDir: string): Promise<Set<string>> {
  return new Set((await readMailbox(dataDir)).map((mail) => mail.file));
}

import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { eventually } from './eventually.js';
import { parseMail, type ReceivedMail } from './mailbox.js';

export interface TestSmtpServer {
  /** `smtp://127.0.0.1:<port>` for the gateway's SMTP_URL. */
  url: string;
  mails: ReceivedMail[];
  /** Waits for the next mail to `email` after the first `seen` ones. */
  nextMailTo(email: string, seen?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** A real SMTP server on loopback (no TLS, no auth) that keeps every message it receives. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        parseMail(Buffer.concat(chunks)).then(
          (mail) => {
            mails.push(mail);
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    nextMailTo: (email, seen = mails.filter((m) => m.to === email).length) =>
      eventually(() => {
        const to = mails.filter((m) => m.to === email);
        if (to.length <= seen) throw new Error(`no new mail to ${email} yet`);
        return to.at(-1)!;
      }, 5_000),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

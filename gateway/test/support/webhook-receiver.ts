import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  type: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A webhook receiver on loopback that checks every delivery's signature with the Standard Webhooks
 * reference library, as a real receiver would, and answers what the test tells it to.
 */
export interface WebhookReceiver {
  url: string;
  /** Deliveries whose signature verified with `secret`, in arrival order (retries included). */
  received: ReceivedWebhook[];
  /** Deliveries that arrived but failed verification. */
  rejected: number;
  /** The secret deliveries are verified with (set it once the endpoint is created). */
  secret: string | undefined;
  /** What to answer next: a status, or 'hang' (never answer). Consumed in order; then 204. */
  answers: Array<number | 'hang'>;
  /** Stops listening (connections are then refused) and starts again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  let server: Server;
  const hanging = new Set<import('node:http').ServerResponse>();
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    rejected: 0,
    secret: undefined,
    answers: [],
    down: async () => {
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    up: async () => {
      server = make();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const make = () =>
    createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const answer = receiver.answers.shift() ?? 204;
        try {
          if (!receiver.secret) throw new Error('no secret yet');
          const payload = new Webhook(receiver.secret).verify(body, req.headers as Record<string, string>);
          receiver.received.push({
            id: String(req.headers['webhook-id']),
            type: (payload as ReceivedWebhook['payload']).type,
            payload: payload as ReceivedWebhook['payload'],
            headers: req.headers,
            body,
          });
        } catch {
          receiver.rejected++;
        }
        if (answer === 'hang') {
          hanging.add(res);
          return;
        }
        res.writeHead(answer, { 'content-type': 'text/plain' }).end(`answered ${answer}`);
      });
    });
  server = make();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${port}/hooks`;
  return receiver;
}

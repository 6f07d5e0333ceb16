import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Webhook signing secrets must be readable by the gateway (it signs with them), unlike API keys and
 * tokens, which are kept as hashes. They are stored encrypted (AES-256-GCM) with a key derived from
 * SESSION_SECRET (HKDF-SHA256, its own label), so a database dump alone does not reveal them.
 * Changing SESSION_SECRET makes stored webhook secrets unreadable: rotate each endpoint's secret then
 * (the README says so).
 */
const VERSION = 'v1';
const INFO = 'api-gateway webhook secrets v1';

export class SecretBox {
  private readonly key: Buffer;

  constructor(masterSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', masterSecret, Buffer.alloc(0), INFO, 32));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
  }

  /** The plain secret; throws when the box was sealed with another key (SESSION_SECRET changed) or altered. */
  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('not a sealed webhook secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  }
}

import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configPath, readLogin, removeLogin, writeLogin } from './config-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-cli-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('configPath', () => {
  it('lives under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/api-gateway/config.json');
    expect(configPath({ HOME: '/home/ann' })).toMatch(/\/\.config\/api-gateway\/config\.json$/);
    // The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    expect(configPath({ XDG_CONFIG_HOME: 'relative' })).toMatch(/\/\.config\/api-gateway\/config\.json$/);
  });
});

describe('writeLogin', () => {
  it('writes the token readable by its owner only, whatever the umask', async () => {
    const path = join(dir, 'api-gateway', 'config.json');
    const previous = process.umask(0);
    try {
      await writeLogin(path, { url: 'http://gw:3002', token: 'gwt_secret' });
    } finally {
      process.umask(previous);
    }
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'api-gateway'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ url: 'http://gw:3002', token: 'gwt_secret' });
    expect(await readLogin(path)).toEqual({ login: { url: 'http://gw:3002', token: 'gwt_secret' } });
  });

  it('narrows the mode of a file that existed with a wider one', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, '{}', { mode: 0o644 });
    await writeLogin(path, { url: 'http://gw', token: 't' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});

describe('readLogin', () => {
  it('answers null when nothing was saved', async () => {
    expect(await readLogin(join(dir, 'none.json'))).toEqual({ login: null });
  });

  it('warns when others can read the token', async () => {
    const path = join(dir, 'config.json');
    await writeLogin(path, { url: 'http://gw', token: 't' });
    await chmod(path, 0o644);
    const read = await readLogin(path);
    expect(read.login).toEqual({ url: 'http://gw', token: 't' });
    expect(read.warning).toContain('chmod 600');
  });

  it('refuses a file that is not a saved login', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, '{"url": 1}');
    await expect(readLogin(path)).rejects.toThrow(/not a login saved by "gateway login"/);
  });
});

describe('removeLogin', () => {
  it('says whether there was a login to remove', async () => {
    const path = join(dir, 'config.json');
    await writeLogin(path, { url: 'http://gw', token: 't' });
    expect(await removeLogin(path)).toBe(true);
    expect(await removeLogin(path)).toBe(false);
  });
});

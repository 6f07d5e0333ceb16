import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './lib/repo.js';

// scripts/audit.mjs (CI's dependency audit) judged through its --report option, so this runs offline.
const dir = mkdtempSync(join(tmpdir(), 'audit-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function audit(report: unknown, env: Record<string, string> = {}) {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(report));
  const run = spawnSync(process.execPath, ['scripts/audit.mjs', '--report', file], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, AUDIT_STRICT: '', ...env },
  });
  return { code: run.status, out: run.stdout + run.stderr };
}

const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8'));
const versionOf = (name: string) => lock.packages[`node_modules/${name}`].version as string;
// What npm prints instead of a report when the advisory endpoint does not answer (as on this machine).
const unreachable = { error: { code: 'E405', summary: '405 Method Not Allowed - POST …/advisories/bulk' } };

describe('scripts/audit.mjs when it can check nothing', () => {
  it('says so loudly (a ::warning:: annotation and a banner) and lists the production dependencies', () => {
    const { code, out } = audit(unreachable);
    expect(code).toBe(0);
    expect(out).toMatch(/^::warning title=npm audit checked nothing::.*405 Method Not Allowed/m);
    expect(out).toMatch(/NOTHING WAS CHECKED/);
    for (const name of ['express', 'pg', 'undici', 'ioredis', 'zod', 'next']) {
      expect(out).toContain(`${name}@${versionOf(name)}`);
    }
    // Development-only tools are not in the list: they are not what production runs.
    expect(out).not.toContain('vitest@');
    expect(out).not.toContain('@biomejs/biome@');
  });

  it('fails with an ::error:: annotation under AUDIT_STRICT=1', () => {
    const { code, out } = audit(unreachable, { AUDIT_STRICT: '1' });
    expect(code).toBe(1);
    expect(out).toMatch(/^::error title=npm audit checked nothing::/m);
  });

  it('prints no banner when the audit ran', () => {
    const clean = {
      vulnerabilities: {},
      metadata: { vulnerabilities: { total: 0, critical: 0, high: 0, moderate: 0, low: 0, info: 0 } },
    };
    const { code, out } = audit(clean);
    expect(code).toBe(0);
    expect(out).not.toMatch(/::warning|NOTHING WAS CHECKED/);
    expect(out).toMatch(/No unaccepted high or critical advisories/);
  });
});

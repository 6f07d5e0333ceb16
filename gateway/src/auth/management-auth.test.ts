import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Request, Response } from 'express';
import { describe, expect, it, vi } from 'vitest';
import type { Config } from '../config.js';
import type { PrismaClient } from '../db/client.js';

// Spy on the real safeEqual: the admin token must be compared in constant time.
vi.mock('./session-token.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./session-token.js')>();
  return { ...real, safeEqual: vi.fn(real.safeEqual) };
});
const { safeEqual } = await import('./session-token.js');
const { createRequireActor } = await import('./management-auth.js');

const ADMIN = `adm_${'k'.repeat(40)}`;
const config = { ADMIN_API_TOKEN: ADMIN, SESSION_SECRET: 's'.repeat(48) } as Config;
const prisma = { session: { findUnique: vi.fn(async () => null) } } as unknown as PrismaClient;

async function authenticate(authorization: string) {
  const requireActor = createRequireActor({ config, prisma });
  const res = { locals: {} } as Response;
  const next = vi.fn();
  const outcome = await Promise.resolve(requireActor({ headers: { authorization } } as Request, res, next)).then(
    () => 'ok',
    (err: Error) => err.name,
  );
  return { outcome, actor: res.locals.actor, next };
}

describe('requireActor and the admin token', () => {
  it('compares the admin token with safeEqual (constant time), not ===', async () => {
    vi.mocked(safeEqual).mockClear();
    const { actor } = await authenticate(`Bearer ${ADMIN}`);
    expect(actor).toEqual({ kind: 'bootstrap' });
    expect(safeEqual).toHaveBeenCalledWith(ADMIN, ADMIN);
  });

  it('runs the same comparison for a wrong token of any length, then refuses it', async () => {
    for (const wrong of ['x', ADMIN.slice(0, -1), `${ADMIN}x`, ADMIN.replace('k', 'K')]) {
      vi.mocked(safeEqual).mockClear();
      const { outcome, actor } = await authenticate(`Bearer ${wrong}`);
      expect(outcome).toBe('ApiError');
      expect(actor).toBeUndefined();
      expect(safeEqual).toHaveBeenCalledWith(wrong, ADMIN);
    }
  });
});

describe('secret comparisons in the source', () => {
  // A code-review check that keeps holding: no secret is ever compared with == / === / !==
  // (which return at the first differing character) anywhere in the gateway's source.
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? e.name === 'generated'
          ? []
          : files(join(dir, e.name))
        : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
          ? [join(dir, e.name)]
          : [],
    );

  it('never compares ADMIN_API_TOKEN, SESSION_SECRET or signatures with == or ===', () => {
    const offenders: string[] = [];
    // `a === SECRET` or `SECRET !== b`, where SECRET names a secret (its .length is public, fine).
    const secret = String.raw`[\w.]*\b(?:ADMIN_API_TOKEN|SESSION_SECRET|signature|expected)\b(?!\.length)`;
    const comparison = new RegExp(`${secret}\\s*[!=]==?|[!=]==?\\s*${secret}`);
    for (const file of files(join(import.meta.dirname, '..'))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (comparison.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    // The check itself works: it would catch the naive comparison.
    expect(comparison.test('if (token === config.ADMIN_API_TOKEN) {')).toBe(true);
    expect(comparison.test('if (given.length !== expected.length) return;')).toBe(false);
    expect(offenders).toEqual([]);
  });

  it('verifies session signatures with timingSafeEqual', () => {
    const source = readFileSync(join(import.meta.dirname, 'session-token.ts'), 'utf8');
    expect(source).toMatch(/timingSafeEqual\(given, expected\)/);
  });
});

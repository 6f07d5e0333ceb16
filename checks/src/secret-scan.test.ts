// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose, GitHub Actions and Terraform syntax in literal strings.
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gitTrackedFiles, repoPath } from './lib/repo.js';
import { ALLOW_MARKER, isScannable, looksLikeSecretValue, scanText } from './lib/secret-scan.js';

// Fixtures are assembled at run time so that this file itself never contains a match.
const join = (...parts: string[]) => parts.join('');
const AWS_KEY_ID = join('AKIA', 'Z7QW3RTY5UIO2PLK');
const AWS_SECRET = join('wJalrXUtnF', 'EMI/K7MDENG/bPxRfiCY', 'Q8r4Z1vB2n');
const GITHUB_TOKEN = join('ghp', '_', 'N8xK2mQ7vR4tY9wB3cL6', 'pZ1sD5fG0hJ8aE2uI4oW');
const PRIVATE_KEY = join('-----BEGIN ', 'RSA PRIVATE', ' KEY-----\nMIIEow…\n-----END RSA PRIVATE KEY-----');
const RANDOM_VALUE = join('Xk29dLq8Zr7V', 'b4Nm1Tw6Hy3P');

describe('scanText finds planted secrets', () => {
  it.each([
    ['aws-access-key-id', `const id = '${AWS_KEY_ID}';`],
    ['aws-secret-access-key', `aws_secret_access_key = ${AWS_SECRET}`],
    ['github-token', `GITHUB_TOKEN=${GITHUB_TOKEN}`],
    ['private-key', PRIVATE_KEY],
    ['secret-assignment', `DB_PASSWORD=${RANDOM_VALUE}`],
    ['secret-assignment', `  "apiKey": "${RANDOM_VALUE}",`],
    ['secret-assignment', `const sessionSecret = '${RANDOM_VALUE}';`],
    ['secret-assignment', `SESSION_SECRET: ${RANDOM_VALUE}`],
    ['url-credentials', `DATABASE_URL=postgres://app:${RANDOM_VALUE}@db.internal:5432/app`],
  ])('%s in %j', (rule, text) => {
    const findings = scanText('src/config.ts', text);
    expect(findings.map((f) => f.rule)).toContain(rule);
  });

  it('reports the line and never the whole secret', () => {
    const [finding] = scanText('deploy/app.env', `A=1\nB=2\nDB_PASSWORD=${RANDOM_VALUE}\n`);
    expect(finding?.line).toBe(3);
    expect(finding?.excerpt).not.toContain(RANDOM_VALUE);
  });

  it('finds token formats in test files too', () => {
    expect(scanText('gateway/src/auth.test.ts', `const k = '${AWS_KEY_ID}';`)).toHaveLength(1);
  });
});

describe('scanText leaves non-secrets alone', () => {
  it.each([
    'POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-gateway-dev-password}',
    'ADMIN_API_TOKEN=dev-admin-token-change-me-0123456789abcdef',
    'ADMIN_API_TOKEN=',
    'password: ${{ secrets.DB_PASSWORD }}',
    'const token = z.string().min(32);',
    'key: ADMIN_API_TOKEN',
    'secretKeyRef:',
    'DATABASE_URL=postgres://USER:PASSWORD@db.example.internal:5432/gateway',
    'DATABASE_URL: postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/gateway',
    'value_wo = var.secret_values[each.key]',
    '"integrity": "sha512-4Z9ktQ2vR8x7Yb3mN1pL6wT0sD5fG8hJ2kE4uI7oW9aQ=="',
    `token = '${RANDOM_VALUE}' // ${ALLOW_MARKER}`,
  ])('%s', (text) => {
    expect(scanText('deploy/example.yml', text)).toEqual([]);
  });

  it('relaxes the assignment rule in test files (fixtures), not the token formats', () => {
    expect(scanText('gateway/test/support/keys.ts', `const apiKey = '${RANDOM_VALUE}';`)).toEqual([]);
    expect(scanText('gateway/src/keys.test.ts', `const apiKey = '${RANDOM_VALUE}';`)).toEqual([]);
  });

  it('judges values by entropy and shape', () => {
    expect(looksLikeSecretValue(RANDOM_VALUE)).toBe(true);
    expect(looksLikeSecretValue('aaaaaaaaaaaaaaaaaaaa1')).toBe(false);
    expect(looksLikeSecretValue('sessionSecretFromTheEnvironment')).toBe(false);
    expect(looksLikeSecretValue('SESSION_SECRET_FILE_PATH_2')).toBe(false);
  });
});

describe('the repository', () => {
  it('has no secrets in any git-tracked file', () => {
    const files = gitTrackedFiles().filter(isScannable);
    expect(files.length).toBeGreaterThan(20);
    const findings = files.flatMap((file) => {
      const path = repoPath(file);
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        return []; // deleted in the work tree, not yet in the index
      }
      if (size > 2 * 1024 * 1024) return [];
      return scanText(file, readFileSync(path, 'utf8'));
    });
    expect(findings.map((f) => `${f.file}:${f.line} ${f.rule} ${f.excerpt}`)).toEqual([]);
  });
});

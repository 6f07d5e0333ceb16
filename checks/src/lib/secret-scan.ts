// A small secret scanner for committed files: well-known token formats anywhere, plus literal,
// high-entropy values assigned to names like password/secret/token outside test files. It runs in
// every CI run over `git ls-files`, so it errs on the side of few false positives: a finding must be
// worth stopping a merge for.

export interface Finding {
  file: string;
  line: number;
  rule: string;
  /** The offending text, shortened so the report never repeats a whole secret. */
  excerpt: string;
}

interface PatternRule {
  id: string;
  pattern: RegExp;
}

/** Formats that are secrets wherever they appear, test files included. */
const TOKEN_RULES: PatternRule[] = [
  { id: 'aws-access-key-id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  {
    id: 'aws-secret-access-key',
    pattern: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
  },
  { id: 'private-key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
  { id: 'github-token', pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{60,}\b/g },
  { id: 'slack-token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g },
  { id: 'stripe-live-key', pattern: /\b(?:sk|rk)_live_[A-Za-z0-9]{20,}\b/g },
  { id: 'npm-token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { id: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
];

/** `name = value`, `name: value`, `"name": "value"`, `NAME=value` where the name says "secret". */
const ASSIGNMENT =
  /([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential)[A-Za-z0-9_.-]*)["']?\s*(?::=|=>|=|:)\s*(["'`]?)([^\s"'`,;)}\]]+)\2/gi;

/** Credentials inside a URL: scheme://user:password@host. */
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/'"`]+:([^\s@/'"`]+)@/gi;

/** Values that are obviously not real: placeholders, development defaults, fixtures. */
const PLACEHOLDER =
  /example|change[-_]?me|\bdev\b|dev[-_]|[-_]dev|test|dummy|fake|placeholder|sample|your[-_]|xxxx|redacted|fixture|not[-_]?a[-_]?secret|insecure|local/i;

/** A line carrying this marker is skipped (for documented fixtures that must look real). */
export const ALLOW_MARKER = 'secret-scan: allow';

const TEST_FILE = /(^|\/)(test|tests|__tests__|__fixtures__|fixtures)\/|\.(test|spec)\.[cm]?[jt]sx?$/;
const SKIPPED_EXTENSIONS = /\.(png|jpe?g|gif|ico|webp|avif|woff2?|ttf|otf|eot|wasm|gz|zip|tgz|pdf|lock)$/i;
const SKIPPED_FILES = /(^|\/)package-lock\.json$/;

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Whether a literal looks like a real credential: long, random-looking (letters and digits, high
 * entropy), not a reference to a variable, not an identifier, not a placeholder.
 */
export function looksLikeSecretValue(value: string): boolean {
  if (value.length < 16) return false;
  if (/^(\$|\{\{|<|%|process\.env|env\.|secrets\.|vars\.|var\.)/.test(value)) return false;
  if (!/^[A-Za-z0-9+/=_\-.~!*#]+$/.test(value)) return false;
  if (/^[A-Z0-9_]+$/.test(value) && /_/.test(value)) return false; // an environment variable's name
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  if (/^(sha(1|256|384|512)-|[0-9a-f]{40}$)/.test(value)) return false; // integrity hashes, commit ids
  if (PLACEHOLDER.test(value)) return false;
  return shannonEntropy(value) >= 3.5;
}

function redact(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= 12 ? `${oneLine.slice(0, 4)}…` : `${oneLine.slice(0, 12)}…`;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Whether the scanner reads this path at all (binary formats and the lockfile's hashes are skipped). */
export function isScannable(file: string): boolean {
  return !SKIPPED_EXTENSIONS.test(file) && !SKIPPED_FILES.test(file);
}

/** Scans one file's text. `file` decides whether the assignment rule applies (not in test files). */
export function scanText(file: string, text: string): Finding[] {
  if (text.includes('\u0000')) return [];
  const findings: Finding[] = [];
  const allowedLines = new Set<number>();
  text.split('\n').forEach((line, i) => {
    if (line.includes(ALLOW_MARKER)) allowedLines.add(i + 1);
  });
  const add = (rule: string, index: number, match: string) => {
    const line = lineOf(text, index);
    if (!allowedLines.has(line)) findings.push({ file, line, rule, excerpt: redact(match) });
  };

  for (const rule of TOKEN_RULES) {
    for (const m of text.matchAll(rule.pattern)) add(rule.id, m.index ?? 0, m[0]);
  }
  if (!TEST_FILE.test(file)) {
    for (const m of text.matchAll(ASSIGNMENT)) {
      const value = m[3] ?? '';
      if (looksLikeSecretValue(value)) add('secret-assignment', m.index ?? 0, m[0]);
    }
    for (const m of text.matchAll(URL_CREDENTIALS)) {
      const password = m[1] ?? '';
      if (looksLikeSecretValue(password)) add('url-credentials', m.index ?? 0, m[0]);
    }
  }
  return findings;
}

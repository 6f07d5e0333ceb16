#!/usr/bin/env node
// Fails when a production dependency has a known high or critical vulnerability.
//
//   node scripts/audit.mjs                 runs `npm audit --omit=dev --json` in the repository
//   node scripts/audit.mjs --report f.json  judges a saved report instead (for debugging the script)
//
// A finding without a fix can be accepted, with a reason and an expiry date, in
// scripts/audit-exceptions.json: [{ "advisory": "GHSA-xxxx-xxxx-xxxx", "reason": "…", "until": "2027-01-31" }].
// When the registry's audit endpoint cannot be reached (offline mirror, no network), the script
// says so loudly (a `::warning::` annotation and a banner) and lists the production dependencies it
// would have checked, then exits 0 — nothing was checked, and it does not pretend otherwise — unless
// AUDIT_STRICT=1, which turns that into a failure (`::error::`) for environments that must be checked.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FAILING = new Set(['high', 'critical']);

function runAudit() {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['audit', '--omit=dev', '--json'],
      { cwd: root, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      // npm audit exits non-zero both for findings and for errors: judge by what it printed.
      (error, stdout, stderr) => resolve({ stdout, stderr, error }),
    );
  });
}

function loadExceptions() {
  try {
    return JSON.parse(readFileSync(join(root, 'scripts', 'audit-exceptions.json'), 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * The production dependencies (name@version) the lockfile installs: what npm audit --omit=dev would
 * have checked. Read from package-lock.json, so it works offline.
 */
function productionDependencies() {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const found = new Set();
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path.includes('node_modules/') || entry.dev || entry.devOptional || entry.link) continue;
    found.add(`${path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${entry.version}`);
  }
  return [...found].sort();
}

/** Wraps `items` into lines of at most `width` characters, indented. */
function wrap(items, width = 110) {
  const lines = [];
  let line = '';
  for (const item of items) {
    if (line && line.length + item.length + 2 > width) {
      lines.push(line);
      line = '';
    }
    line += line ? `, ${item}` : item;
  }
  if (line) lines.push(line);
  return lines.map((l) => `    ${l}`).join('\n');
}

// Nothing was checked: that must stand out in a CI log, not read like a pass. The `::warning::` /
// `::error::` lines become annotations on GitHub Actions and are still greppable elsewhere.
function unreachable(why) {
  const strict = process.env.AUDIT_STRICT === '1';
  const level = strict ? 'error' : 'warning';
  const deps = productionDependencies();
  const bar = '!'.repeat(100);
  console.log(
    `::${level} title=npm audit checked nothing::npm audit could not reach the advisory endpoint (${why}); ${deps.length} production dependencies were NOT checked for known vulnerabilities.`,
  );
  console.log(
    `\n${bar}\n!! ${strict ? 'ERROR' : 'WARNING'}: DEPENDENCY AUDIT SKIPPED — NOTHING WAS CHECKED\n` +
      `!! npm audit could not query the registry's advisory endpoint: ${why}\n` +
      `!! These ${deps.length} production dependencies were NOT checked for known vulnerabilities.\n` +
      "!! Run this where the npm registry's audit endpoint answers, or set AUDIT_STRICT=1 to fail here.\n" +
      `${bar}\n\nProduction dependencies it would have checked (package-lock.json):\n${wrap(deps)}\n`,
  );
  process.exit(strict ? 1 : 0);
}

const reportArg = process.argv.indexOf('--report');
let text;
if (reportArg !== -1) {
  text = readFileSync(process.argv[reportArg + 1], 'utf8');
} else {
  const { stdout, stderr, error } = await runAudit();
  text = stdout;
  if (!stdout.trim()) unreachable((stderr || error?.message || 'no output').trim().split('\n')[0]);
}

let report;
try {
  report = JSON.parse(text);
} catch {
  unreachable(`unreadable output: ${text.slice(0, 200)}`);
}
// npm prints an error object (HTTP status, network code) instead of a report when it cannot audit.
if (!report.metadata?.vulnerabilities) {
  unreachable(report.message ?? report.error?.summary ?? JSON.stringify(report).slice(0, 200));
}

const counts = report.metadata.vulnerabilities;
console.log(
  `npm audit --omit=dev: ${counts.total} finding(s) — critical ${counts.critical}, high ${counts.high}, ` +
    `moderate ${counts.moderate}, low ${counts.low}, info ${counts.info}`,
);

// The advisories behind high/critical findings (a package listed only because it depends on a
// vulnerable one points at that one's advisory, which is listed itself).
const advisories = new Map();
for (const vuln of Object.values(report.vulnerabilities ?? {})) {
  for (const via of vuln.via ?? []) {
    if (typeof via !== 'object' || !FAILING.has(via.severity)) continue;
    const id = via.url?.split('/').pop() ?? String(via.source);
    advisories.set(id, { ...via, id, fixAvailable: vuln.fixAvailable });
  }
}

const today = new Date().toISOString().slice(0, 10);
const exceptions = loadExceptions();
let failing = 0;
for (const a of advisories.values()) {
  const exception = exceptions.find((e) => e.advisory === a.id);
  const accepted = exception && exception.until >= today;
  const fix = a.fixAvailable ? 'fix available (npm audit fix)' : 'no fix yet';
  console.log(`  ${a.severity.toUpperCase()} ${a.name} ${a.range}: ${a.title} (${a.id}, ${fix})`);
  if (accepted) console.log(`    accepted until ${exception.until}: ${exception.reason}`);
  else if (exception) console.log(`    exception expired on ${exception.until}`);
  if (!accepted) failing++;
}
if (failing > 0) {
  console.error(`\n${failing} high/critical advisory(ies) in production dependencies. Fix, or document an exception.`);
  process.exit(1);
}
console.log('No unaccepted high or critical advisories in production dependencies.');

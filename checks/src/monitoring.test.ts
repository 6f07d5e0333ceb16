// biome-ignore-all lint/suspicious/noExplicitAny: parsed manifests are untyped JSON.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml';
import { readRepoFile, repoPath } from './lib/repo.js';

// What `kubectl apply -k k8s/monitoring/` sends, beside what `kubectl apply -k k8s/` sends.
const render = (dir: string) =>
  parseAllDocuments(execFileSync('kubectl', ['kustomize', repoPath(dir)], { encoding: 'utf8' })).map(
    (d) => d.toJS() as any,
  );
const monitoring = render('k8s/monitoring');
const main = render('k8s');
const rule = monitoring.find((d) => d.kind === 'PrometheusRule');
const monitor = monitoring.find((d) => d.kind === 'ServiceMonitor');
const rules: any[] = rule.spec.groups.flatMap((g: any) => g.rules);

const work = mkdtempSync(join(tmpdir(), 'gw-monitoring-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The metric names the gateway registers (gateway/src/metrics.ts), with histogram series suffixes.
const exported = new Set(
  [...readRepoFile('gateway/src/metrics.ts').matchAll(/name: '(gateway_[a-z_]+)'/g)].map((m) => m[1] as string),
);
const metricOf = (name: string) => name.replace(/_(bucket|sum|count)$/, '');

describe('k8s/monitoring: ServiceMonitor and PrometheusRule', () => {
  it('the ServiceMonitor scrapes /metrics on the management Service, and only there', () => {
    const services = main.filter((d) => d.kind === 'Service');
    const selected = services.filter((s) =>
      Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v),
    );
    expect(selected.map((s) => s.metadata.name)).toEqual(['gateway-management']);
    const ports = selected[0].spec.ports.map((p: any) => p.name);
    for (const endpoint of monitor.spec.endpoints) {
      expect(ports).toContain(endpoint.port);
      expect(endpoint.path).toBe('/metrics');
    }
    expect(monitor.metadata.namespace).toBe(main.find((d) => d.kind === 'Deployment').metadata.namespace);
  });

  it('promtool accepts the rules', () => {
    const file = join(work, 'rules.yaml');
    writeFileSync(file, stringify({ groups: rule.spec.groups }));
    expect(execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' })).toMatch(/SUCCESS: 5 rules found/);
  });

  it('every alert fires when it should and stays quiet when it should not (promtool test rules)', () => {
    const rulesFile = join(work, 'rules.yaml');
    writeFileSync(rulesFile, stringify({ groups: rule.spec.groups }));
    const tests = parseYaml(readRepoFile('checks/src/fixtures/alerts.promtool-test.yaml'));
    const testFile = join(work, 'alerts.test.yaml');
    writeFileSync(testFile, stringify({ rule_files: [rulesFile], ...tests }));
    expect(execFileSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8' })).toMatch(/SUCCESS/);
    // Each alert is exercised by at least one test that expects it to fire.
    const fired = new Set(
      tests.tests.flatMap((t: any) =>
        (t.alert_rule_test ?? []).filter((a: any) => a.exp_alerts.length > 0).map((a: any) => a.alertname),
      ),
    );
    expect([...fired].sort()).toEqual(rules.map((r) => r.alert).sort());
  });

  it('alerts use only metrics the gateway exports, and cover what the operations runbook needs', () => {
    for (const r of rules) {
      for (const [name] of String(r.expr).matchAll(/gateway_[a-z_]+/g)) {
        expect(exported, `${r.alert}: ${name}`).toContain(metricOf(name));
      }
    }
    const watched = new Set(rules.flatMap((r) => [...String(r.expr).matchAll(/gateway_[a-z_]+/g)].map((m) => m[0])));
    for (const needed of [
      'gateway_rate_limit_failure_mode_engaged',
      'gateway_usage_records_dropped_total',
      'gateway_http_requests_total',
      'gateway_upstream_errors_total',
    ]) {
      expect(watched).toContain(needed);
    }
  });

  it('every alert has a severity, a summary and a runbook that exists in the README', () => {
    const readme = readRepoFile('README.md');
    const anchors = new Set(
      [...readme.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
        (m[1] as string)
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .trim()
          .replace(/ /g, '-'),
      ),
    );
    for (const r of rules) {
      expect(['warning', 'critical']).toContain(r.labels.severity);
      expect(r.annotations.summary).toBeTruthy();
      const anchor = String(r.annotations.runbook_url).split('#')[1];
      expect(anchors, `${r.alert} → #${anchor}`).toContain(anchor);
    }
  });
});

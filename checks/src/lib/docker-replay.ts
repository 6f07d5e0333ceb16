// Replays a Dockerfile without a Docker engine: every stage becomes a folder, COPY copies from the
// build context (filtered by .dockerignore) or from an earlier stage's folder, RUN runs the same shell
// command with the stage's WORKDIR as cwd and its ENV as the environment. What differs from a real
// build: the base image is the host (its Node.js and npm, not the image's), users and ownership are
// ignored, and RUN must not use absolute paths (they would touch the host). The replay refuses what
// it cannot reproduce faithfully instead of approximating it.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, posix, relative } from 'node:path';
import { commandOf, copyPaths, type DockerStage, parseDockerfile } from './dockerfile.js';
import { dockerignoreMatcher } from './dockerignore.js';

export interface ReplayedImage {
  /** Host folder standing for the final stage's `/`. */
  root: string;
  /** WORKDIR of the final stage (container path). */
  workdir: string;
  /** Host folder standing for WORKDIR: the cwd of CMD and HEALTHCHECK. */
  cwd: string;
  env: Record<string, string>;
  user: string | null;
  cmd: string[];
  healthcheck: string[] | null;
}

export interface ReplayOptions {
  /** The build context (the repository root). */
  context: string;
  /** Dockerfile path relative to the context. */
  dockerfile: string;
  /** Empty scratch folder that receives one sub-folder per stage. */
  outDir: string;
  /** Receives each command's output, line by line. */
  log?: (line: string) => void;
}

interface StageState {
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string | null;
  cmd: string[] | null;
  healthcheck: string[] | null;
}

/** A minimal environment: nothing from the test runner (NODE_ENV=test, npm_config_*) leaks into builds. */
export function baseEnvironment(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
}

function expandVariables(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_, a: string | undefined, b: string | undefined) => env[a ?? b ?? ''] ?? '',
  );
}

function containerPath(workdir: string, path: string): string {
  return posix.resolve(workdir, path);
}

function hostPath(root: string, path: string): string {
  return join(root, path);
}

function contextFilter(context: string): (absolute: string) => boolean {
  const file = join(context, '.dockerignore');
  const ig = dockerignoreMatcher(existsSync(file) ? readFileSync(file, 'utf8') : '');
  return (absolute) => {
    const rel = relative(context, absolute);
    return rel === '' || !ig.ignores(rel);
  };
}

function copyInto(source: string, dest: string, destIsDir: boolean, filter?: (path: string) => boolean): void {
  const isDir = lstatSync(source).isDirectory();
  // Docker copies a directory's contents, not the directory itself.
  const target = isDir ? dest : destIsDir ? join(dest, basename(source)) : dest;
  mkdirSync(isDir ? target : join(target, '..'), { recursive: true });
  cpSync(source, target, { recursive: true, verbatimSymlinks: true, force: true, ...(filter ? { filter } : {}) });
}

function run(argv: string[], cwd: string, env: Record<string, string>, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    if (!file) return reject(new Error('empty command'));
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) log(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`\`${argv.join(' ')}\` exited with ${code}\n${tail}`)),
    );
  });
}

/** Builds every stage of the Dockerfile in order and describes the final one. */
export async function replayDockerfile(options: ReplayOptions): Promise<ReplayedImage> {
  const log = options.log ?? (() => {});
  const parsed = parseDockerfile(readFileSync(join(options.context, options.dockerfile), 'utf8'));
  const keep = contextFilter(options.context);
  const home = join(options.outDir, '.home');
  mkdirSync(home, { recursive: true });
  const built = new Map<string, StageState>();

  for (const stage of parsed.stages) {
    built.set(stage.name, await replayStage(stage, built, options, keep, home, log));
  }
  const final = built.get(parsed.final.name);
  if (!final?.cmd) throw new Error('the final stage has no CMD');
  return {
    root: final.root,
    workdir: final.workdir,
    cwd: hostPath(final.root, final.workdir),
    env: final.env,
    user: final.user,
    cmd: final.cmd,
    healthcheck: final.healthcheck,
  };
}

async function replayStage(
  stage: DockerStage,
  built: Map<string, StageState>,
  options: ReplayOptions,
  keep: (path: string) => boolean,
  home: string,
  log: (line: string) => void,
): Promise<StageState> {
  const root = join(options.outDir, `stage-${stage.name}`);
  const parent = built.get(stage.from);
  const state: StageState = parent
    ? { ...parent, env: { ...parent.env }, root }
    : { root, workdir: '/', env: {}, user: null, cmd: null, healthcheck: null };
  if (parent) cpSync(parent.root, root, { recursive: true, verbatimSymlinks: true });
  else mkdirSync(root, { recursive: true });

  for (const ins of stage.instructions) {
    const where = `${options.dockerfile}:${ins.line} (${stage.name})`;
    switch (ins.keyword) {
      case 'WORKDIR':
        state.workdir = containerPath(state.workdir, expandVariables(ins.text, state.env));
        mkdirSync(hostPath(root, state.workdir), { recursive: true });
        break;
      case 'ENV':
        for (const [key, value] of ins.properties) state.env[key] = expandVariables(value ?? '', state.env);
        break;
      case 'USER':
        state.user = ins.text;
        break;
      case 'CMD':
        state.cmd = commandOf(ins);
        break;
      case 'HEALTHCHECK':
        state.healthcheck = /^NONE$/i.test(ins.text) ? null : commandOf(ins);
        break;
      case 'COPY': {
        const { from, sources, dest } = copyPaths(ins);
        const destPath = containerPath(state.workdir, dest);
        const destIsDir = dest.endsWith('/') || sources.length > 1;
        for (const source of sources) {
          if (/[*?[]/.test(source)) throw new Error(`${where}: the replay does not expand globs (${source})`);
          if (from) {
            const other = built.get(from);
            if (!other) throw new Error(`${where}: COPY --from=${from} names no earlier stage`);
            const src = hostPath(other.root, posix.resolve('/', source));
            if (!existsSync(src)) throw new Error(`${where}: ${source} does not exist in stage ${from}`);
            copyInto(src, hostPath(root, destPath), destIsDir);
          } else {
            const src = join(options.context, source);
            if (!existsSync(src) || !keep(src)) {
              throw new Error(`${where}: ${source} is not in the build context (missing or .dockerignore'd)`);
            }
            copyInto(src, hostPath(root, destPath), destIsDir, keep);
          }
        }
        break;
      }
      case 'RUN': {
        const argv = commandOf(ins);
        const command = argv.join(' ');
        if (state.workdir !== '/' && command.includes(state.workdir)) {
          throw new Error(`${where}: RUN names ${state.workdir} absolutely; keep it relative to WORKDIR`);
        }
        log(`[${stage.name}] RUN ${command}`);
        const env = { ...baseEnvironment(home), ...state.env };
        // `--mount=type=cache,target=/root/.npm` keeps npm's cache across builds; the host's cache plays that part.
        if (/\btype=cache\b/.test(ins.flags.mount ?? '') && /\/\.npm\b/.test(ins.flags.mount ?? '')) {
          env.npm_config_cache = process.env.npm_config_cache ?? join(homedir(), '.npm');
        }
        await run(argv, hostPath(root, state.workdir), env, log);
        break;
      }
      case 'ARG':
      case 'EXPOSE':
      case 'LABEL':
      case 'STOPSIGNAL':
        break;
      default:
        throw new Error(`${where}: the replay does not support ${ins.keyword}`);
    }
  }
  return state;
}

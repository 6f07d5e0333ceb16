import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `redis-cli -p port …`, its output trimmed. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 });
  return stdout.trim();
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `n` ports that are free, each with its cluster bus port (port + 10000) free too. */
async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  let candidate = 20_000 + Math.floor(Math.random() * 9_000);
  while (ports.length < n) {
    candidate++;
    if (candidate > 29_999) candidate = 20_000;
    if ((await isFree(candidate)) && (await isFree(candidate + 10_000))) ports.push(candidate);
  }
  return ports;
}

export interface RedisClusterNode {
  port: number;
  process: ChildProcess;
}

export interface TestRedisCluster {
  /** Every node's port, primaries first as created (3 primaries, one replica each). */
  ports: number[];
  /** A URL of one node (a replica): what REDIS_URL names with REDIS_MODE=cluster. */
  url: string;
  /** The port of the primary serving `key`'s slot now. */
  primaryOf(key: string): Promise<number>;
  /** SIGKILLs the node on `port` (a crash: no goodbye to the cluster). */
  kill(port: number): void;
  /** Waits until every slot is served again (`cluster_state:ok` on every live node). */
  waitUntilOk(timeoutMs?: number): Promise<void>;
  /** Kills every node and deletes their files; safe to call twice or after a failed start. */
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster on loopback ports: six `redis-server` processes (3 primaries, 3 replicas)
 * joined with `redis-cli --cluster create`, nothing persisted. `nodeTimeoutMs` is how long a
 * primary may be silent before its replica takes over.
 */
export async function startRedisCluster(opts: { nodeTimeoutMs?: number } = {}): Promise<TestRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-redis-cluster-'));
  const ports = await freePorts(6);
  const nodes = new Map<number, RedisClusterNode>();
  const stop = async () => {
    for (const node of nodes.values()) node.process.kill('SIGKILL');
    await Promise.all(
      [...nodes.values()].map(
        (n) =>
          new Promise<void>((r) =>
            n.process.exitCode !== null || n.process.signalCode ? r() : n.process.once('exit', () => r()),
          ),
      ),
    );
    nodes.clear();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          String(opts.nodeTimeoutMs ?? 2_000),
          // A replica always stands for election, however long ago it last heard its primary (a
          // CPU-starved CI machine must not leave slots unserved).
          '--cluster-replica-validity-factor',
          '0',
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
          '--dir',
          dir,
          '--loglevel',
          'warning',
        ],
        { stdio: 'ignore' },
      );
      nodes.set(port, { port, process: child });
    }
    const deadline = Date.now() + 10_000;
    for (const port of ports) {
      for (;;) {
        const pong = await redisCli(port, 'ping').catch(() => '');
        if (pong === 'PONG') break;
        if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'],
      { timeout: 30_000 },
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const liveNodes = () => [...nodes.values()].filter((n) => n.process.exitCode === null && !n.process.signalCode);
  const waitUntilOk = async (timeoutMs = 15_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(liveNodes().map((n) => redisCli(n.port, 'cluster', 'info').catch(() => '')));
      if (states.every((s) => s.includes('cluster_state:ok'))) return;
      if (Date.now() > until) throw new Error(`the Redis Cluster is not ok after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await waitUntilOk();
  } catch (err) {
    await stop();
    throw err;
  }

  // The URL names a replica: every write it is sent answers MOVED, so only a client that learns
  // the cluster's map (not a single-node one that happens to hit the right primary) gets anywhere.
  let seed: number | undefined;
  for (const port of ports) if ((await redisCli(port, 'role')).startsWith('slave')) seed ??= port;
  if (seed === undefined) {
    await stop();
    throw new Error('the Redis Cluster has no replica');
  }

  return {
    ports,
    url: `redis://127.0.0.1:${seed}`,
    async primaryOf(key) {
      const live = liveNodes()[0]!;
      const slot = Number(await redisCli(live.port, 'cluster', 'keyslot', key));
      // CLUSTER NODES: `<id> <ip:port@bus> <flags> <primary> <ping> <pong> <epoch> <link> <slot ranges…>`.
      for (const line of (await redisCli(live.port, 'cluster', 'nodes')).split('\n')) {
        const [, address, flags, , , , , , ...ranges] = line.split(' ');
        if (!flags?.includes('master') || flags.includes('fail')) continue;
        for (const range of ranges) {
          const [from, to = from] = range.split('-').map(Number);
          if (slot >= from! && slot <= to!) return Number(address!.split('@')[0]!.split(':')[1]);
        }
      }
      throw new Error(`no primary serves slot ${slot}`);
    },
    kill(port) {
      nodes.get(port)?.process.kill('SIGKILL');
    },
    waitUntilOk,
    stop,
  };
}

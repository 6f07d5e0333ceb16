// Port checks for `npm start`: is a port free, and if not, which process holds it.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/** Resolves null when `port` can be bound on `host`, else the error code (EADDRINUSE, EACCES, …). */
export function tryBind(port, host) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error) => resolve(error.code ?? String(error)));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(null)));
  });
}

/** Socket inodes listening on `port` (Linux: /proc/net/tcp{,6}); empty where /proc is absent. */
function listeningInodes(port) {
  const inodes = new Set();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; column 10 is the inode.
      if (cols.length > 9 && cols[3] === '0A' && Number.parseInt(cols[1].split(':')[1], 16) === port) {
        inodes.add(cols[9]);
      }
    }
  }
  return inodes;
}

/**
 * The process listening on `port`: `{ pid, command }`, or undefined when it cannot be told (not Linux,
 * or another user's process whose file descriptors we may not read).
 */
export function portOwner(port) {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  let pids;
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds;
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        let command = '';
        try {
          command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        } catch {}
        return { pid: Number(pid), command: command.length > 120 ? `${command.slice(0, 117)}...` : command };
      }
    }
  }
  return undefined;
}

/**
 * Checks every `{ port, host, name, what }` at once; returns one line per port that cannot be used,
 * naming the variable that sets it and the process holding it.
 */
export async function busyPorts(wanted) {
  const problems = [];
  for (const { port, host, name, what } of wanted) {
    const code = await tryBind(port, host);
    if (!code) continue;
    if (code === 'EADDRINUSE') {
      const owner = portOwner(port);
      const by = owner
        ? `process ${owner.pid}${owner.command ? ` (${owner.command})` : ''}`
        : 'another process (`ss -ltnp` names it)';
      problems.push(`port ${port} (${name}, ${what}) is in use by ${by}: stop it, or set ${name} to a free port`);
    } else {
      problems.push(`port ${port} (${name}, ${what}) cannot be opened on ${host}: ${code}`);
    }
  }
  return problems;
}

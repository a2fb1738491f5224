// Child processes of a benchmark: the servers under test, started, awaited, measured and stopped.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `node [nodeArgs] <script>` and resolves once `ready()` says so (polled every 100 ms), or rejects
 * with the child's output when it exits or takes longer than `timeoutMs`.
 * @param {{ name: string, script: string, nodeArgs?: string[], env: Record<string, string>, ready: () => Promise<boolean>, timeoutMs?: number }} options
 */
export async function startNode({ name, script, nodeArgs = [], env, ready, timeoutMs = 60_000 }) {
  const child = spawn(process.execPath, [...nodeArgs, script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.once('exit', (code, signal) => (exited = { code, signal }));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${name} exited (${exited.code ?? exited.signal}) before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready after ${timeoutMs} ms:\n${output}`);
    }
    if (await ready().catch(() => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    name,
    pid: child.pid,
    output: () => output,
    /** Peak resident set size since start, in MB (Linux: VmHWM), or null where /proc is missing. */
    peakRssMb: () => procStatusMb(child.pid, 'VmHWM'),
    rssMb: () => procStatusMb(child.pid, 'VmRSS'),
    /** CPU time used since start (user + system, all threads), in ms, or null where /proc is missing. */
    cpuMs: () => procCpuMs(child.pid),
    /** CPU time used since start by each of its threads, in ms, by thread name (Linux), or null where /proc is missing. */
    threadCpuMs: () => threadCpuMs(child.pid),
    async stop() {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

function procCpuMs(pid) {
  try {
    return cpuMsOf(statFields(`/proc/${pid}/stat`).fields);
  } catch {
    return null;
  }
}

/** `/proc/<pid>/stat`'s command name and its fields after it (the name may hold spaces and parentheses). */
function statFields(path) {
  const stat = readFileSync(path, 'utf8');
  const close = stat.lastIndexOf(')');
  return { name: stat.slice(stat.indexOf('(') + 1, close), fields: stat.slice(close + 2).split(' ') };
}

/** user + system time of `statFields(…).fields` (its 12th and 13th), in ms. */
function cpuMsOf(fields) {
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

function threadCpuMs(pid) {
  try {
    const byName = {};
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        const { name, fields } = statFields(`/proc/${pid}/task/${task}/stat`);
        byName[name] = (byName[name] ?? 0) + cpuMsOf(fields);
      } catch {
        // The thread ended meanwhile.
      }
    }
    return byName;
  } catch {
    return null;
  }
}

/**
 * CPU time used so far, in ms, by every process whose command name starts with one of `names`
 * (`postgres`, `redis-server`): the database servers a run drives, measured from outside (Linux; null
 * where /proc is missing). Processes that start or end between two readings make the difference approximate.
 */
export function commandCpuMs(names) {
  try {
    let total = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const { name, fields } = statFields(`/proc/${entry}/stat`);
        if (names.some((n) => name.startsWith(n))) total += cpuMsOf(fields);
      } catch {
        // The process ended meanwhile.
      }
    }
    return total;
  } catch {
    return null;
  }
}

function procStatusMb(pid, field) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return line ? Number(line.replace(/\D+/g, '')) / 1024 : null;
  } catch {
    return null;
  }
}

/** Whether `url` answers 200. */
export async function answers200(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status === 200;
}

/** Whether a TCP service (PostgreSQL, Redis) answers at the URL's host and port (`fallbackPort` when the URL has none). */
export function reachable(url, fallbackPort) {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = connect(Number(port || fallbackPort), hostname);
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
    socket.setTimeout(1500, () => (socket.destroy(), done(false)));
  });
}

/**
 * The Node flags `npm start` runs the server with (package.json), so that a benchmark measures the
 * server as it is deployed (the Docker image's command and the deploy spec carry the same flags).
 */
export function serverNodeArgs() {
  const start = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start;
  const flags = /\bnode ((?:--\S+ )*)dist\/apps\/server\/src\/main\.js/.exec(start);
  if (!flags) throw new Error(`package.json's start script does not run dist/apps/server/src/main.js: ${start}`);
  return flags[1].trim().split(' ').filter(Boolean);
}

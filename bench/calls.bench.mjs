// `npm run bench -- calls`: our real server (dist/apps/server/src/main.js) against the baseline, a
// minimal Express 4 + @jambonz/node-client webhook app, both driven with the same signed jambonz call
// traffic on loopback: N concurrent calls, each a call hook, three turns and the `completed` status.
// Runs on SQLite, then on PostgreSQL + Redis when they are reachable. Prints figures beside the
// issue's targets; asserts nothing. Both servers share the machine's cores with the load generator (one
// Node process, whose share is printed): `CPU µs/req`, each server's CPU time per request over the
// measured run, is the figure least moved by the generator and by whatever else the machine runs.
// Our server runs with the Node flags of `npm start`.
//
// Settings: BENCH_SECONDS (measured seconds per run, default 6), BENCH_CONCURRENCY (default 50,200),
// TEST_DATABASE_URL / TEST_REDIS_URL (as the tests: postgresql://postgres@127.0.0.1:5432/postgres, redis://127.0.0.1:6379).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callFigures, driveCalls } from './lib/call-load.mjs';
import { scratchDatabase, scratchRedisPrefix, serverEnv } from './lib/backend.mjs';
import { answers200, commandCpuMs, freePort, reachable, serverNodeArgs, startNode } from './lib/processes.mjs';
import { formatTable, percentile } from './lib/report.mjs';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => require(join(root, 'dist', path));

export const description = 'jambonz call traffic: our server vs a minimal Express + @jambonz/node-client app';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const WARMUP_SECONDS = Math.min(2, SECONDS / 3);
const LEVELS = (process.env.BENCH_CONCURRENCY ?? '50,200').split(',').map(Number);
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Questions a caller asks a business; none of them ends the call. */
const TURNS = ['What are your opening hours?', 'Where are you located?', 'How much is a cleaning?'];
const BASELINE = 'jambonz-express-app';

const METRICS = [
  { key: 'callsPerSecond', label: 'calls/s', digits: 1 },
  { key: 'requestsPerSecond', label: 'req/s', digits: 0, target: '≥ 1.00×' },
  { key: 'p50', label: 'p50 ms', digits: 1 },
  { key: 'p99', label: 'p99 ms', digits: 1, target: '≤ 1.00×' },
  { key: 'turnP99', label: 'turn p99 ms', digits: 1, target: '≤ 1.00×' },
  { key: 'errors', label: 'errors', ratio: false },
  { key: 'cpuUsPerRequest', label: 'CPU µs/req', digits: 0 },
  { key: 'peakRssMb', label: 'peak RSS MB', digits: 0, target: '< 300 MB (ours)' },
];

/** A fresh instance of one backend: its env, and how to clean it up. */
async function prepareBackend(kind) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tero-bench-'));
  const env = serverEnv(dataDir);
  const cleanups = [() => rmSync(dataDir, { recursive: true, force: true })];
  if (kind === 'postgres-redis') {
    const database = await scratchDatabase(PG_URL);
    const redis = scratchRedisPrefix(REDIS_URL);
    env.DATABASE_URL = database.url;
    env.REDIS_URL = REDIS_URL;
    env.REDIS_PREFIX = redis.prefix;
    cleanups.unshift(() => database.drop());
    cleanups.unshift(() => redis.clear());
  }
  return {
    env,
    cleanup: async () => {
      for (const c of cleanups) await Promise.resolve().then(c).catch(() => undefined);
    },
  };
}

/** The demo number our server seeded at its start and its jambonz account's secret, read from the database as `tero call` reads them. */
async function findTarget(env) {
  const { loadInstanceConfig } = dist('libs/core/src/index.js');
  const { findCallTarget } = dist('apps/cli/src/jambonz-account-lookup.js');
  return findCallTarget(loadInstanceConfig(env, { cwd: env.DATA_DIR }));
}

/** One whole call through the simulator, which validates every answer as jambonz would; a broken target shows here, not as a fast error rate. */
async function sanityCall(baseUrl, target) {
  const { JambonzSimulator, scriptedCaller } = dist('libs/telephony/src/simulator/index.js');
  const simulator = new JambonzSimulator({ baseUrl, secret: target.secret, accountSid: target.accountSid });
  try {
    const call = await simulator.call({ from: '+15550100999', to: target.number, input: scriptedCaller(TURNS) });
    const said = call.transcript.filter((e) => e.speaker === 'agent').length;
    return `ok: ${call.exchanges.length} hooks, every answer valid, ${said} agent line(s), ${call.outcome.endedBy} ended it`;
  } catch (error) {
    return `FAILED: ${error.message}`;
  }
}

async function runBackend(kind, print) {
  const label = kind === 'sqlite' ? 'SQLite, in-process jobs' : 'PostgreSQL + Redis';
  const backend = await prepareBackend(kind);
  const servers = [];
  try {
    const oursPort = await freePort();
    const basePort = await freePort();
    const nodeArgs = serverNodeArgs();
    const ours = await startNode({
      name: 'tero server',
      script: join(root, 'dist/apps/server/src/main.js'),
      nodeArgs,
      env: { ...backend.env, PORT: String(oursPort), PUBLIC_URL: `http://127.0.0.1:${oursPort}` },
      ready: () => answers200(`http://127.0.0.1:${oursPort}/healthz`),
    });
    servers.push(ours);
    const target = await findTarget(backend.env);
    const baseline = await startNode({
      name: BASELINE,
      script: join(root, 'bench/baselines/jambonz-express-app/app.js'),
      env: { PATH: backend.env.PATH, NODE_ENV: 'production', PORT: String(basePort), WEBHOOK_SECRET: target.secret },
      ready: async () => baselineReady(basePort),
    });
    servers.push(baseline);
    const targets = [
      { name: `tero (${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL + Redis'})`, role: 'ours', url: `http://127.0.0.1:${oursPort}`, process: ours },
      { name: BASELINE, role: 'baseline', url: `http://127.0.0.1:${basePort}`, process: baseline },
    ];
    const notes = [
      `called ${target.number} (jambonz account ${target.accountSid}); ${TURNS.length} turns per call; ${SECONDS} s measured after ${WARMUP_SECONDS} s warm-up per run`,
      `tero runs as npm start runs it: node ${[...nodeArgs, 'dist/apps/server/src/main.js'].join(' ')}`,
      `resident memory after boot, before any call: tero ${Math.round(ours.rssMb() ?? 0)} MB, ${BASELINE} ${Math.round(baseline.rssMb() ?? 0)} MB`,
    ];
    for (const t of targets) notes.push(`sanity call, ${t.name}: ${await sanityCall(t.url, target)}`);

    for (const concurrency of LEVELS) {
      const rows = [];
      const runNotes = [...notes];
      for (const t of [targets[1], targets[0]]) {
        const load = { baseUrl: t.url, secret: target.secret, accountSid: target.accountSid, to: target.number, turns: TURNS, concurrency };
        await driveCalls({ ...load, durationMs: WARMUP_SECONDS * 1000 });
        const serverCpu = t.process.cpuMs();
        const threadsCpu = t.process.threadCpuMs();
        const databaseCpu = kind === 'postgres-redis' ? commandCpuMs(DATABASE_COMMANDS) : null;
        const driverCpu = process.cpuUsage();
        const run = await driveCalls({ ...load, durationMs: SECONDS * 1000 });
        const cpuUsPerRequest = serverCpu === null || run.requests === 0 ? null : ((t.process.cpuMs() - serverCpu) * 1000) / run.requests;
        const driver = process.cpuUsage(driverCpu);
        const split = cpuSplit(threadsCpu, t.process.threadCpuMs(), run.requests);
        if (split) runNotes.push(`${t.name}: CPU µs per request by thread: ${split}`);
        if (databaseCpu !== null && t.role === 'ours') {
          const used = commandCpuMs(DATABASE_COMMANDS);
          if (used !== null && run.requests) runNotes.push(`  PostgreSQL + Redis server processes meanwhile: ${Math.round(((used - databaseCpu) * 1000) / run.requests)} µs per request`);
        }
        rows.push({ target: t.name, role: t.role, values: { ...callFigures(run), cpuUsPerRequest, peakRssMb: t.process.peakRssMb() } });
        runNotes.push(`${t.name}: ${kindBreakdown(run)}`);
        runNotes.push(`  load generator meanwhile: ${Math.round(((driver.user + driver.system) / 1000 / run.elapsedMs) * 100)} % of one core (${Math.round((driver.user + driver.system) / Math.max(1, run.requests))} µs per request)`);
        for (const sample of run.errorSamples.slice(0, 3)) runNotes.push(`${t.name} error: ${sample}`);
      }
      rows.reverse();
      print(formatTable({ title: `calls · ${label} · ${concurrency} concurrent calls`, baseline: BASELINE, metrics: METRICS, rows, notes: runNotes }));
    }
  } finally {
    for (const s of servers) await s.stop();
    await backend.cleanup();
  }
}

/** The database servers' process names, whose CPU a PostgreSQL + Redis run reports beside the server's own. */
const DATABASE_COMMANDS = ['postgres', 'redis-server'];

/** Node's thread names (Linux), as a reader knows them. */
const THREAD_ROLES = [
  ['MainThread', 'event loop'],
  ['WorkerThread', 'worker threads'],
  ['V8Worker', 'V8 helpers (GC, compiler)'],
];

/**
 * CPU per request of a server's threads over a run, from two readings of `threadCpuMs()`: where the time
 * goes beside the event loop (ours: the SQLite write thread, the garbage collector's helpers). Null where
 * /proc is missing.
 */
function cpuSplit(before, after, requests) {
  if (!before || !after || requests === 0) return null;
  const byRole = new Map();
  for (const [name, ms] of Object.entries(after)) {
    const role = THREAD_ROLES.find(([thread]) => thread === name)?.[1] ?? 'other';
    byRole.set(role, (byRole.get(role) ?? 0) + ms - (before[name] ?? 0));
  }
  return [...byRole]
    .map(([role, ms]) => [role, (ms * 1000) / requests])
    .filter(([, us]) => us >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .map(([role, us]) => `${role} ${Math.round(us)}`)
    .join(', ');
}

/** p50/p99 per hook, so a slow one stands out. */
function kindBreakdown(run) {
  const ms = (v) => (v === null ? '–' : v.toFixed(1));
  return Object.entries(run.byKind)
    .map(([kind, list]) => `${kind} p50 ${ms(percentile(list, 50))} / p99 ${ms(percentile(list, 99))} ms`)
    .join(', ');
}

async function baselineReady(port) {
  const res = await fetch(`http://127.0.0.1:${port}/hooks/jambonz/status`, { method: 'POST', signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.status === 401;
}

export default async function calls({ print }) {
  const kinds = ['sqlite'];
  if ((await reachable(PG_URL, 5432)) && (await reachable(REDIS_URL, 6379))) kinds.push('postgres-redis');
  else print(`\n(PostgreSQL at ${new URL(PG_URL).host} or Redis at ${new URL(REDIS_URL).host} not reachable: the PostgreSQL + Redis run is skipped)`);
  for (const kind of kinds) await runBackend(kind, print);
}

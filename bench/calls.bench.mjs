// `npm run bench -- calls`: our real server (dist/apps/server/src/main.js) against the baseline, a
// minimal Express 4 + @jambonz/node-client webhook app, both driven with the same signed jambonz call
// traffic on loopback: N concurrent calls, each a call hook, three turns and the `completed` status.
// Runs on SQLite, then on PostgreSQL + Redis when they are reachable. Prints figures beside the
// issue's targets; asserts nothing. Both servers share the machine's cores with the load generator (one
// Node process, whose share is printed): `CPU µs/req`, each server's CPU time per request over the
// measured run, is the figure least moved by the generator and by whatever else the machine runs.
// Our server runs with the Node flags of `npm start`.
//
// Each level runs ROUNDS measured runs per server, alternating baseline and ours, and shows each figure's
// median: one run of a few seconds moved by ±7 % on this kind of machine, more than most changes we measure.
//
// Settings: BENCH_SECONDS (measured seconds per run, default 5), BENCH_ROUNDS (runs per server, default 3),
// BENCH_CONCURRENCY (default 50,200),
// TEST_DATABASE_URL / TEST_REDIS_URL (as the tests: postgresql://postgres@127.0.0.1:5432/postgres, redis://127.0.0.1:6379).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
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

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** Measured runs per target and level, alternating with the baseline's; the table shows medians. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
/** A fresh server's warm-up before each level's rounds: its code optimised, its caches and connections filled. */
const WARMUP_SECONDS = Math.min(3, SECONDS * 0.6);
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
  try {
    for (const concurrency of LEVELS) {
      // Each level starts both servers afresh, so that its figures, memory above all, do not depend on the
      // level before: ours remembers every finished call for minutes (late hooks, replay claims), and at the
      // bench's ~3k calls a second a shared server would enter the 200-call level ~100k calls in.
      const { targets, target, notes, stop } = await startServers(kind, backend);
      try {
        await runLevel({ kind, label, concurrency, targets, target, notes, print });
      } finally {
        await stop();
      }
    }
  } finally {
    await backend.cleanup();
  }
}

/** Our server and the baseline on `backend`, each checked with one whole call. */
async function startServers(kind, backend) {
  const servers = [];
  const stop = async () => {
    for (const s of servers) await s.stop();
  };
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
      `called ${target.number} (jambonz account ${target.accountSid}); ${TURNS.length} turns per call; both servers started for this level, warmed up ${Number(WARMUP_SECONDS.toFixed(1))} s, then ${ROUNDS} rounds of ${SECONDS} s each, alternating`,
      `tero runs as npm start runs it: node ${[...nodeArgs, 'dist/apps/server/src/main.js'].join(' ')}`,
      `resident memory after boot, before any call: tero ${Math.round(ours.rssMb() ?? 0)} MB, ${BASELINE} ${Math.round(baseline.rssMb() ?? 0)} MB`,
    ];
    for (const t of targets) notes.push(`sanity call, ${t.name}: ${await sanityCall(t.url, target)}`);
    return { targets, target, notes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One concurrency level: warm-up, alternating measured rounds, one table. */
async function runLevel({ kind, label, concurrency, targets, target, notes, print }) {
  // Peak memory grows with the calls a server has handled (the sanity call is the first).
  const callsSinceStart = new Map(targets.map((t) => [t, 1]));
  const loadOf = (t) => ({ baseUrl: t.url, secret: target.secret, accountSid: target.accountSid, to: target.number, turns: TURNS, concurrency });
  for (const t of targets) callsSinceStart.set(t, callsSinceStart.get(t) + (await driveCalls({ ...loadOf(t), durationMs: WARMUP_SECONDS * 1000 })).calls);
  const runs = new Map(targets.map((t) => [t, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // The order alternates, so that a drift of the machine's speed over the rounds favours neither.
    for (const t of round % 2 === 0 ? [targets[1], targets[0]] : targets) runs.get(t).push(await measuredRun(t, loadOf(t), kind));
  }
  const runNotes = [...notes];
  const summaries = new Map(targets.map((t) => [t, summarize(runs.get(t))]));
  const rows = targets.map((t) => {
    const measured = runs.get(t);
    const summary = summaries.get(t);
    callsSinceStart.set(t, callsSinceStart.get(t) + measured.reduce((sum, m) => sum + m.run.calls, 0));
    runNotes.push(`${t.name}: req/s by round ${measured.map((m) => Math.round(m.figures.requestsPerSecond).toLocaleString('en-US')).join(' · ')} (the table shows each figure's median); ${callsSinceStart.get(t).toLocaleString('en-US')} calls since its start`);
    if (summary.split) runNotes.push(`  CPU µs per request by thread: ${summary.split}`);
    if (summary.databaseUsPerRequest !== null) runNotes.push(`  PostgreSQL + Redis server processes meanwhile: ${Math.round(summary.databaseUsPerRequest)} µs per request`);
    runNotes.push(`  ${kindBreakdown(summary.medianRun)}`);
    runNotes.push(`  load generator meanwhile: ${Math.round(summary.driverShare * 100)} % of one core (${Math.round(summary.driverUsPerRequest)} µs per request)`);
    for (const sample of summary.errorSamples.slice(0, 3)) runNotes.push(`  error: ${sample}`);
    return { target: t.name, role: t.role, values: { ...summary.figures, peakRssMb: t.process.peakRssMb() } };
  });
  const budget = cpuBudget(summaries.get(targets.find((t) => t.role === 'ours')), summaries.get(targets.find((t) => t.role === 'baseline')));
  if (budget) runNotes.push(budget);
  print(formatTable({ title: `calls · ${label} · ${concurrency} concurrent calls`, baseline: BASELINE, metrics: METRICS, rows, notes: runNotes }));
}

/** One measured run against a target: the load's figures, and the CPU the server's threads, the database servers and the generator used meanwhile. */
async function measuredRun(t, load, kind) {
  const serverCpu = t.process.cpuMs();
  const threadsBefore = t.process.threadCpuMs();
  const databaseBefore = kind === 'postgres-redis' && t.role === 'ours' ? commandCpuMs(DATABASE_COMMANDS) : null;
  const driverBefore = process.cpuUsage();
  const run = await driveCalls({ ...load, durationMs: SECONDS * 1000 });
  const driver = process.cpuUsage(driverBefore);
  const databaseAfter = databaseBefore === null ? null : commandCpuMs(DATABASE_COMMANDS);
  return {
    run,
    figures: { ...callFigures(run), cpuUsPerRequest: serverCpu === null || run.requests === 0 ? null : ((t.process.cpuMs() - serverCpu) * 1000) / run.requests },
    threads: threadDelta(threadsBefore, t.process.threadCpuMs()),
    databaseMs: databaseBefore === null || databaseAfter === null ? null : databaseAfter - databaseBefore,
    driverUs: driver.user + driver.system,
  };
}

/** Rounds of one target as one row: each figure's median, errors summed, CPU shares over all rounds together. */
function summarize(measured) {
  const figures = {};
  for (const key of Object.keys(measured[0].figures)) {
    const values = measured.map((m) => m.figures[key]);
    figures[key] = key === 'errors' ? values.reduce((a, b) => a + b, 0) : median(values);
  }
  const requests = measured.reduce((sum, m) => sum + m.run.requests, 0);
  const elapsedMs = measured.reduce((sum, m) => sum + m.run.elapsedMs, 0);
  const threads = {};
  for (const m of measured) for (const [role, ms] of Object.entries(m.threads ?? {})) threads[role] = (threads[role] ?? 0) + ms;
  // CPU by thread is known when every round read it (Linux /proc).
  const perThread = requests > 0 && measured.every((m) => m.threads !== null);
  const byRequests = [...measured].sort((a, b) => a.figures.requestsPerSecond - b.figures.requestsPerSecond);
  const databaseMs = measured.every((m) => m.databaseMs !== null) ? measured.reduce((sum, m) => sum + m.databaseMs, 0) : null;
  const driverUs = measured.reduce((sum, m) => sum + m.driverUs, 0);
  return {
    figures,
    split: perThread ? cpuSplit(threads, requests) : null,
    loopUsPerRequest: perThread && threads['event loop'] !== undefined ? (threads['event loop'] * 1000) / requests : null,
    databaseUsPerRequest: databaseMs === null || requests === 0 ? null : (databaseMs * 1000) / requests,
    medianRun: byRequests[Math.floor((byRequests.length - 1) / 2)].run,
    driverShare: driverUs / 1000 / Math.max(1, elapsedMs),
    driverUsPerRequest: driverUs / Math.max(1, requests),
    errorSamples: measured.flatMap((m, round) => m.run.errorSamples.map((sample) => `round ${round + 1}: ${sample}`)),
  };
}

/**
 * What matching the baseline's throughput asks of ours on this machine. The baseline is bound by its one
 * event loop; at its rate, the machine's cores, less what the load generator uses per request, leave a CPU
 * budget per request for everything our server needs: all its threads and, on PostgreSQL + Redis, the
 * database processes. The note sets our use beside that budget, and our event loop beside the baseline's.
 */
function cpuBudget(ours, baseline) {
  const rate = baseline.figures.requestsPerSecond;
  const used = ours.figures.cpuUsPerRequest;
  if (!rate || used === null || used === undefined) return null;
  const cores = availableParallelism();
  const budget = (cores * 1e6) / rate - ours.driverUsPerRequest;
  const total = used + (ours.databaseUsPerRequest ?? 0);
  const what = ours.databaseUsPerRequest === null ? 'all its threads' : 'all its threads and the database processes';
  const loops = ours.loopUsPerRequest !== null && baseline.loopUsPerRequest !== null ? `; event loop ${Math.round(ours.loopUsPerRequest)} µs per request against the baseline's ${Math.round(baseline.loopUsPerRequest)}, which must not be exceeded either` : '';
  return `  CPU budget at the baseline's ${Math.round(rate).toLocaleString('en-US')} req/s: ${cores} cores less the generator's ${Math.round(ours.driverUsPerRequest)} µs leave ${Math.round(budget)} µs per request; tero used ${Math.round(total)} µs in ${what} (${(total / budget).toFixed(2)}× the budget)${loops}`;
}

/** The median of numbers, nulls left out (null when none). */
function median(values) {
  return percentile(values.filter((v) => v !== null && v !== undefined && !Number.isNaN(v)).sort((a, b) => a - b), 50);
}

/** The database servers' process names, whose CPU a PostgreSQL + Redis run reports beside the server's own. */
const DATABASE_COMMANDS = ['postgres', 'redis-server'];

/** Node's thread names (Linux), as a reader knows them. */
const THREAD_ROLES = [
  ['MainThread', 'event loop'],
  ['WorkerThread', 'worker threads'],
  ['V8Worker', 'V8 helpers (GC, compiler)'],
];

/** CPU ms each role of a server's threads used between two readings of `threadCpuMs()` (null where /proc is missing). */
function threadDelta(before, after) {
  if (!before || !after) return null;
  const byRole = {};
  for (const [name, ms] of Object.entries(after)) {
    const role = THREAD_ROLES.find(([thread]) => thread === name)?.[1] ?? 'other';
    byRole[role] = (byRole[role] ?? 0) + ms - (before[name] ?? 0);
  }
  return byRole;
}

/**
 * CPU per request by thread role: where the time goes beside the event loop (ours: the SQLite write
 * thread, the garbage collector's helpers).
 */
function cpuSplit(byRole, requests) {
  return Object.entries(byRole)
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

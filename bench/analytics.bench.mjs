// `npm run bench -- analytics`: the client dashboard and analytics (issue 7) at scale, on PostgreSQL +
// Redis. A throwaway database gets one client with BENCH_CALLS calls (a million by default) over two
// years, their turns and bookings (bench/lib/analytics-data.mjs), and the client's daily rollups built by
// the real service; then our real server (dist/apps/server/src/main.js, as `npm start` runs it) answers
// over HTTP on the client's host, as its owner (a signed-in session) and through an API key:
//   · the dashboard's summary (today, 30 days, a year), vs `naive-sql`: GROUP BYs over the raw calls;
//   · the call log's search (a date range + an outcome + caller digits; a transcript text search), vs
//     `naive-sql`: the obvious queries over calls and call_turns;
//   · the CSV export of a year of calls (the longest an export takes): rows/s and the server's memory
//     during it, vs `naive-sql`: one `SELECT *` loaded into a Node process and written as one string;
//   · live events: 200 simultaneous simulated calls, from the `completed` hook to `call.ended` on a
//     WebSocket subscribed on /live, vs `redis-pubsub`: a bare publish → subscribe on the same Redis.
// Prints figures beside the issue's targets; asserts nothing. Without PostgreSQL or Redis it cannot run.
//
// Settings: BENCH_CALLS (default 1000000), BENCH_SAMPLES (timed requests per question, default 40),
// BENCH_LIVE_CALLS (simultaneous calls, default 200), BENCH_LIVE_ROUNDS (calls each places, default 3),
// BENCH_LIVE_PAUSE_MS (the pause before each hook, `min,max` ms, default 500,2000),
// TEST_DATABASE_URL / TEST_REDIS_URL (as the tests).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRollups, fillCalls } from './lib/analytics-data.mjs';
import { scratchDatabase, scratchRedisPrefix, serverEnv } from './lib/backend.mjs';
import { bearerToken, expectStatus, latencyFigures, sampleLatency, signIn, siteClient } from './lib/analytics-http.mjs';
import { liveEventLatency, redisPubSubLatency } from './lib/analytics-live.mjs';
import { naiveSearch, naiveSummary, naiveTextSearch } from './lib/analytics-naive.mjs';
import { answers200, freePort, reachable, serverNodeArgs, startNode } from './lib/processes.mjs';
import { formatTable } from './lib/report.mjs';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => require(join(root, 'dist', path));

export const description = 'dashboard summary, call-log search, CSV export and live events over a client with a million calls (PostgreSQL + Redis), vs naive SQL and bare Redis pub/sub';

const CALLS = Number(process.env.BENCH_CALLS ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
const LIVE_CALLS = Number(process.env.BENCH_LIVE_CALLS ?? 200);
const LIVE_ROUNDS = Number(process.env.BENCH_LIVE_ROUNDS ?? 3);
/** The pause before each hook of a live call, drawn in [min, max] ms: a caller speaks every second or two. */
const LIVE_PAUSE_MS = (process.env.BENCH_LIVE_PAUSE_MS ?? '500,2000').split(',').map(Number);
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const NAIVE = 'naive-sql';
const PUBSUB = 'redis-pubsub';
/** Words of the transcript search: a phrase callers use in a few percent of the calls. */
const SEARCH_TEXT = 'root canal';
/** Memory sampling period during the export, in ms. */
const RSS_EVERY_MS = 50;

/** Undo steps, run newest first, once, whatever happened (an error, Ctrl-C). */
function cleanupStack() {
  const steps = [];
  let done = null;
  return {
    add: (step) => steps.unshift(step),
    run: () =>
      (done ??= (async () => {
        for (const step of steps) await Promise.resolve().then(step).catch(() => undefined);
      })()),
  };
}

/** A throwaway database on TEST_DATABASE_URL's server, a data directory and a Redis prefix; the server's environment. */
async function prepareBackend(cleanup) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tero-bench-analytics-'));
  cleanup.add(() => rmSync(dataDir, { recursive: true, force: true }));
  const database = await scratchDatabase(PG_URL);
  cleanup.add(() => database.drop());
  const redis = scratchRedisPrefix(REDIS_URL);
  cleanup.add(() => redis.clear());
  return {
    name: database.name,
    env: {
      ...serverEnv(dataDir),
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: redis.prefix,
      // One process serves and runs the jobs (the export's among them), so its memory is the export's.
      JOBS_IN_SERVER: 'true',
    },
  };
}

async function startServer(env, cleanup) {
  const port = await freePort();
  const server = await startNode({
    name: 'tero server',
    script: join(root, 'dist/apps/server/src/main.js'),
    nodeArgs: serverNodeArgs(),
    env: { ...env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` },
    ready: () => answers200(`http://127.0.0.1:${port}/healthz`),
    timeoutMs: 120_000,
  });
  cleanup.add(() => server.stop());
  return { ...server, port };
}

/** The client's local today, and the date `days` before a date. */
const localToday = (timezone) => new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
const daysBefore = (date, days) => new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

/** Times `ask` (resolving to `{ ms }`) `samples` times after a warm-up. */
async function sampleDirect(ask, samples, warmup = 3) {
  for (let i = 0; i < warmup; i++) await ask();
  const times = [];
  for (let i = 0; i < samples; i++) times.push((await ask()).ms);
  return latencyFigures(times);
}

// ─── the measurements ───────────────────────────────────────────────────────────────────────────────

async function summaryTable({ site, cookie, apiKey, pg, frame, print }) {
  const today = localToday(frame.timezone);
  const ranges = [
    { key: 'today', label: 'today', range: { from: today, to: today } },
    { key: 'month', label: '30 days', range: { from: daysBefore(today, 29), to: today } },
    // Without today: the rollups alone (today's part is summed from its calls, cached until the client's next call event).
    { key: 'past', label: '30 days to yesterday', range: { from: daysBefore(today, 30), to: daysBefore(today, 1) } },
    { key: 'year', label: '1 year', range: { from: daysBefore(today, 364), to: today } },
  ];
  const naive = naiveSummary(pg, frame);
  const rows = [
    { target: 'tero /dashboard/summary.json (session)', role: 'ours', ask: (r) => site.get(`/dashboard/summary.json?from=${r.from}&to=${r.to}`, { cookie, accept: 'application/json' }) },
    { target: 'tero /api/v1/analytics/summary (API key)', ask: (r) => site.get(`/api/v1/analytics/summary?from=${r.from}&to=${r.to}`, { authorization: `Bearer ${apiKey}` }) },
  ];
  const notes = [];
  const values = rows.map(() => ({}));
  const baseline = {};
  for (const { key, label, range } of ranges) {
    for (const [i, row] of rows.entries()) {
      const figures = await sampleLatency(() => row.ask(range), { samples: SAMPLES });
      values[i][`${key}50`] = figures.p50;
      values[i][`${key}95`] = figures.p95;
    }
    const check = JSON.parse((await rows[0].ask(range)).body);
    const base = await sampleDirect(() => naive(range), SAMPLES);
    const answer = await naive(range);
    baseline[`${key}50`] = base.p50;
    baseline[`${key}95`] = base.p95;
    notes.push(`${label} (${range.from}..${range.to}): ours counts ${Number(check.period?.calls ?? check.calls).toLocaleString('en-US')} calls, ${NAIVE} ${answer.calls.toLocaleString('en-US')}`);
  }
  const metrics = ranges.flatMap(({ key, label }) => [
    { key: `${key}50`, label: `${label} p50 ms`, digits: 1 },
    { key: `${key}95`, label: `${label} p95 ms`, digits: 1, target: '< 20 ms' },
  ]);
  const floor = await sampleLatency(() => site.get('/healthz'), { samples: SAMPLES });
  notes.push(`${SAMPLES} requests per range, one at a time, after 5 warm-up requests; ours over HTTP on the client's host, ${NAIVE} in the bench process straight to PostgreSQL`);
  notes.push(`the HTTP floor of ours meanwhile (GET /healthz): p50 ${floor.p50.toFixed(1)} ms, p95 ${floor.p95.toFixed(1)} ms; /dashboard/summary.json answers today's figures and the range's in one document`);
  notes.push(`ours reads past days from the daily rollups and sums today from today's calls, cached per client until its next call starts or ends (at most 10 s): repeated requests with no call between are served from that cache; the machine's load average: ${loadAverage()}`);
  print(
    formatTable({
      title: 'analytics · dashboard summary',
      baseline: `${NAIVE} (GROUP BY over the raw calls and bookings, no rollups)`,
      metrics,
      rows: [...rows.map((r, i) => ({ target: r.target, role: r.role, values: values[i] })), { target: NAIVE, role: 'baseline', values: baseline }],
      notes,
    }),
  );
}

/** Caller digits that some calls of the range have: the area code and the first digits of a real caller. */
async function callerDigits(pg, clientId) {
  const { rows } = await pg.query("select from_number from calls where client_id = $1 and outcome = 'booked' order by started_at desc limit 1", [clientId]);
  return rows[0]?.from_number.slice(2, 8) ?? '212';
}

async function searchTable({ site, cookie, apiKey, pg, frame, print }) {
  const today = localToday(frame.timezone);
  const range = { from: daysBefore(today, 89), to: today };
  const caller = await callerDigits(pg, frame.clientId);
  const filters = { range, outcomes: ['booked', 'message_taken'], caller };
  const query = `from=${range.from}&to=${range.to}&outcome=booked,message_taken&caller=${caller}`;
  const text = { range, text: SEARCH_TEXT };
  const textQuery = `from=${range.from}&to=${range.to}&q=${encodeURIComponent(SEARCH_TEXT)}`;
  // A question our server cannot answer is shown as – with the reason, and fails the bench once the table is printed.
  const problems = [];
  const attempt = async (what, ask) => {
    try {
      return await sampleLatency(ask, { samples: SAMPLES });
    } catch (error) {
      problems.push(`${what}: ${error.message.slice(0, 160)}`);
      return null;
    }
  };
  const page = (path) => () => site.get(path, { cookie, accept: 'text/html' });
  const ours = {
    filters: await attempt('GET /calls with filters', page(`/calls?${query}`)),
    text: await attempt('GET /calls with a text search', page(`/calls?${textQuery}`)),
  };
  const api = { filters: await attempt('GET /api/v1/calls', () => site.get(`/api/v1/calls?${query}`, { authorization: `Bearer ${apiKey}` })) };
  const naive = {
    filters: await sampleDirect(() => naiveSearch(pg, frame)(filters), SAMPLES),
    text: await sampleDirect(() => naiveTextSearch(pg, frame)(text), SAMPLES),
  };
  const found = { filters: (await naiveSearch(pg, frame)(filters)).rows, text: (await naiveTextSearch(pg, frame)(text)).rows };
  // What the page listed, so that a fast empty page would show: the calls it links to.
  const listed = async (path) => {
    const answer = await page(path)().catch(() => null);
    return answer?.status === 200 ? (answer.body.match(/data-testid="call-link"/g) ?? []).length : '–';
  };
  const shown = { filters: await listed(`/calls?${query}`), text: await listed(`/calls?${textQuery}`) };
  const values = (f) => ({ filters50: f.filters?.p50 ?? null, filters95: f.filters?.p95 ?? null, text50: f.text?.p50 ?? null, text95: f.text?.p95 ?? null });
  print(
    formatTable({
      title: 'analytics · call-log search (first page of 25)',
      baseline: `${NAIVE} (the obvious SELECT over calls; EXISTS … ILIKE over call_turns for the text)`,
      metrics: [
        { key: 'filters50', label: 'filters p50 ms', digits: 1 },
        { key: 'filters95', label: 'filters p95 ms', digits: 1, target: '< 50 ms' },
        { key: 'text50', label: 'text p50 ms', digits: 1 },
        { key: 'text95', label: 'text p95 ms', digits: 1, target: '< 50 ms' },
      ],
      rows: [
        { target: 'tero GET /calls (session)', role: 'ours', values: values(ours) },
        { target: 'tero GET /api/v1/calls (API key)', values: values(api) },
        { target: NAIVE, role: 'baseline', values: values(naive) },
      ],
      notes: [
        `filters: ${range.from}..${range.to} (90 days), outcome booked or message_taken, caller digits "${caller}" (first page: ${NAIVE} ${found.filters} row(s), ours lists ${shown.filters})`,
        `text: "${SEARCH_TEXT}" in the transcripts over the same 90 days (first page: ${NAIVE} ${found.text} row(s), ours lists ${shown.text}); the client API has no text search`,
        `${SAMPLES} requests each, one at a time, after 5 warm-up requests; ours is the call log's page as the owner's browser gets it (HTML); the machine's load average: ${loadAverage()}`,
        ...problems.map((p) => `not measured: ${p}`),
      ],
    }),
  );
  if (problems.length) throw new Error(`partly measured (${problems.length} question(s) not answered, see the table's notes)`);
}

async function exportTable({ site, cookie, server, env, frame, print }) {
  const today = localToday(frame.timezone);
  const range = { from: daysBefore(today, 365), to: today };
  const ours = await exportThroughServer({ site, cookie, server, range });
  const naive = await naiveExport(env, frame, range);
  print(
    formatTable({
      title: 'analytics · CSV export of a year of calls',
      baseline: `${NAIVE} (one SELECT * of the same calls loaded into a Node process, written as one string)`,
      metrics: [
        { key: 'rows', label: 'rows', ratio: false },
        { key: 'seconds', label: 'seconds', digits: 1 },
        { key: 'rowsPerSecond', label: 'rows/s', digits: 0 },
        { key: 'rssBefore', label: 'RSS before MB', digits: 0, ratio: false },
        { key: 'rssPeak', label: 'peak RSS MB', digits: 0 },
        { key: 'rssGrowth', label: 'growth MB', digits: 0, target: 'flat (streaming)' },
      ],
      rows: [
        { target: 'tero export job + download', role: 'ours', values: ours.values },
        { target: NAIVE, role: 'baseline', values: naive },
      ],
      notes: ours.notes,
    }),
  );
}

/** Peak of VmRSS sampled every {@link RSS_EVERY_MS} while `work` runs, in MB, with the RSS before. */
async function withRssSampling(server, work) {
  const before = server.rssMb();
  let peak = before ?? 0;
  const timer = setInterval(() => (peak = Math.max(peak, server.rssMb() ?? 0)), RSS_EVERY_MS);
  try {
    const result = await work();
    peak = Math.max(peak, server.rssMb() ?? 0);
    return { result, before, peak };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Our export as the owner's /exports form asks for it: the form posted (with its CSRF token), a job
 * started for it (over 10,000 rows), its progress polled as the page's script polls it, then its file
 * downloaded (bytes counted, not kept). Timed from the post to the last byte.
 */
async function exportThroughServer({ site, cookie, server, range }) {
  const started = performance.now();
  const sampled = await withRssSampling(server, async () => {
    const form = expectStatus(await site.get('/exports', { cookie, accept: 'text/html' }), 200, 'GET /exports');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
    if (!csrf) throw new Error('GET /exports: no CSRF token in the form');
    const body = new URLSearchParams({ kind: 'calls', format: 'csv', from: range.from, to: range.to, _csrf: csrf }).toString();
    const counted = { bytes: 0, lines: 0 };
    const count = (chunk) => {
      counted.bytes += chunk.length;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) counted.lines++;
    };
    const posted = await site.send({ method: 'POST', path: '/exports', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body, sink: count, timeoutMs: 600_000 });
    // A small export (≤ 10,000 rows) is streamed in the answer itself; a larger one is a job.
    if (posted.status === 200 || posted.status === 201) {
      const seconds = (performance.now() - started) / 1000;
      return { total: Math.max(0, counted.lines - 1), ...counted, jobSeconds: 0, downloadSeconds: seconds, direct: true };
    }
    expectStatus(posted, 303, 'POST /exports');
    const jobId = /[?&]job=([^&]+)/.exec(String(posted.headers.location))?.[1];
    if (!jobId) throw new Error(`POST /exports did not start a job (redirected to ${posted.headers.location})`);
    let job;
    for (;;) {
      job = JSON.parse(expectStatus(await site.get(`/exports/jobs/${jobId}`, { cookie, accept: 'application/json' }), 200, 'export progress').body);
      if (job.state === 'completed') break;
      if (job.state === 'failed') throw new Error(`the export job failed: ${JSON.stringify(job)}`);
      await new Promise((done) => setTimeout(done, 250));
    }
    const ready = performance.now();
    const answer = await site.send({ path: job.downloadUrl, headers: { cookie }, sink: count, timeoutMs: 600_000 });
    expectStatus(answer, 200, 'export download');
    return { total: job.total, ...counted, jobSeconds: (ready - started) / 1000, downloadSeconds: (performance.now() - ready) / 1000, direct: false };
  });
  const seconds = (performance.now() - started) / 1000;
  const { total, bytes, lines, jobSeconds, downloadSeconds, direct } = sampled.result;
  return {
    values: { rows: total, seconds, rowsPerSecond: total / seconds, rssBefore: sampled.before, rssPeak: sampled.peak, rssGrowth: sampled.peak - sampled.before },
    notes: [
      `ours: ${range.from}..${range.to} (the longest range an export takes: 366 days) posted on /exports, ${direct ? 'streamed in the answer (10,000 rows or fewer)' : 'run as a job, then downloaded'}`,
      `ours: ${jobSeconds.toFixed(1)} s until the file was ready, ${downloadSeconds.toFixed(1)} s to download ${(bytes / 1e6).toFixed(1)} MB (${lines.toLocaleString('en-US')} lines); the server's VmRSS sampled every ${RSS_EVERY_MS} ms (it serves and runs the jobs); the machine's load average: ${loadAverage()}`,
    ],
  };
}

/** The naive export in its own Node process; its peak RSS is its own (maxRSS). */
async function naiveExport(env, frame, range) {
  const out = join(env.DATA_DIR, 'naive-export.csv');
  const child = spawn(process.execPath, [join(root, 'bench/lib/analytics-naive-export.mjs')], {
    env: { PATH: env.PATH, DATABASE_URL: env.DATABASE_URL, CLIENT_ID: frame.clientId, FROM: range.from, TO: range.to, TIMEZONE: frame.timezone, OUT: out },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise((done) => child.once('exit', done));
  rmSync(out, { force: true });
  if (code !== 0) throw new Error(`the ${NAIVE} export failed (${code}): ${output.slice(-500)}`);
  const figures = JSON.parse(output.trim().split('\n').at(-1));
  return { rows: figures.rows, seconds: figures.ms / 1000, rowsPerSecond: figures.rows / (figures.ms / 1000), rssBefore: figures.rssBeforeMb, rssPeak: figures.peakRssMb, rssGrowth: figures.peakRssMb - figures.rssBeforeMb };
}

async function liveTable({ port, host, token, target, print }) {
  const ours = await liveEventLatency({ port, host, token, target, concurrency: LIVE_CALLS, callsPerCaller: LIVE_ROUNDS, pauseMs: LIVE_PAUSE_MS });
  const floor = await redisPubSubLatency({ redisUrl: REDIS_URL, concurrency: LIVE_CALLS, messagesPerSender: LIVE_ROUNDS, pauseMs: LIVE_PAUSE_MS });
  const figures = (list) => latencyFigures(list);
  const o = figures(ours.latencies);
  const b = figures(floor.latencies);
  print(
    formatTable({
      title: `analytics · live events at ${LIVE_CALLS} simultaneous calls`,
      baseline: `${PUBSUB} (PUBLISH → a subscriber on the same Redis, ${LIVE_CALLS} publishers at once)`,
      metrics: [
        { key: 'events', label: 'events', ratio: false },
        { key: 'p50', label: 'p50 ms', digits: 1 },
        { key: 'p95', label: 'p95 ms', digits: 1, target: '< 100 ms (ours)' },
        { key: 'max', label: 'max ms', digits: 1 },
        { key: 'missed', label: 'missed', ratio: false },
      ],
      rows: [
        { target: 'tero completed hook → call.ended on /live', role: 'ours', values: { events: o.samples, p50: o.p50, p95: o.p95, max: o.max, missed: ours.missed } },
        { target: PUBSUB, role: 'baseline', values: { events: b.samples, p50: b.p50, p95: b.p95, max: b.max, missed: floor.missed } },
      ],
      notes: [
        `${ours.calls} calls (${LIVE_CALLS} at once, ${LIVE_ROUNDS} each: call hook, 2 turns, completed, ${LIVE_PAUSE_MS.join('–')} ms apart), one WebSocket of the client's owner on /live; ${(ours.elapsedMs / 1000).toFixed(1)} s`,
        `missed: no call.ended within 10 s of the completed hook; hook errors: ${ours.errors}${ours.errorSamples.length ? ` (${ours.errorSamples.slice(0, 3).join('; ')})` : ''}; the machine's load average: ${loadAverage()}`,
      ],
    }),
  );
}

// ─── the run ────────────────────────────────────────────────────────────────────────────────────────

export default async function analytics({ print }) {
  const pgUp = await reachable(PG_URL, 5432);
  const redisUp = await reachable(REDIS_URL, 6379);
  if (!pgUp || !redisUp) {
    const missing = [!pgUp && `PostgreSQL at ${new URL(PG_URL).host} (TEST_DATABASE_URL)`, !redisUp && `Redis at ${new URL(REDIS_URL).host} (TEST_REDIS_URL)`].filter(Boolean);
    throw new Error(`this benchmark needs PostgreSQL and Redis: ${missing.join(' and ')} not reachable`);
  }
  const cleanup = cleanupStack();
  const interrupted = (signal) => {
    print(`\n${signal}: removing the bench database and stopping the server…`);
    void cleanup.run().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const { Client } = require('pg');
  try {
    const backend = await prepareBackend(cleanup);
    print(`\ndatabase ${backend.name}; the server migrates it and seeds the demo…`);
    let server = await startServer(backend.env, cleanup);
    const logins = JSON.parse(readFileSync(join(backend.env.DATA_DIR, 'demo-logins.json'), 'utf8'));
    const owner = logins.find((l) => l.role === 'client owner');
    const { loadInstanceConfig } = dist('libs/core/src/index.js');
    const { findCallTarget } = dist('apps/cli/src/jambonz-account-lookup.js');
    const target = await findCallTarget(loadInstanceConfig(backend.env, { cwd: backend.env.DATA_DIR }), undefined);
    await server.stop();

    const pg = new Client({ connectionString: backend.env.DATABASE_URL });
    await pg.connect();
    cleanup.add(() => pg.end());
    const { rows: owners } = await pg.query('select client_id, brand_id from phone_numbers where number = $1', [target.number]);
    const ctx = { brandId: owners[0].brand_id, clientId: owners[0].client_id };
    print(`generating the data (BENCH_CALLS=${CALLS})…`);
    const started = performance.now();
    const filled = await fillCalls({ pg, clientId: ctx.clientId, calls: CALLS, print: (line) => print(line) });
    const rolled = await buildRollups({ databaseUrl: backend.env.DATABASE_URL, dataDir: backend.env.DATA_DIR, ctx, print });
    let analyzed = performance.now();
    await pg.query('analyze');
    analyzed = (performance.now() - analyzed) / 1000;
    const { rows: sizes } = await pg.query(`select pg_size_pretty(pg_database_size(current_database())) as size`);
    const t = filled.timings;
    print(
      `generated in ${((performance.now() - started) / 1000).toFixed(0)} s: ${filled.calls.toLocaleString('en-US')} calls (${t.calls.toFixed(0)} s), ${filled.turns.toLocaleString('en-US')} turns (${t.turns.toFixed(0)} s), ` +
        `${filled.bookings.toLocaleString('en-US')} bookings (${t.bookings.toFixed(0)} s), trigram indexes (${t.indexes.toFixed(0)} s), ${rolled.days} daily rollups (${rolled.seconds.toFixed(0)} s), ANALYZE (${analyzed.toFixed(0)} s); database ${sizes[0].size}`,
    );

    const apiKey = await createApiKey(backend.env, ctx);
    server = await startServer(backend.env, cleanup);
    const site = siteClient({ port: server.port, host: owner.host });
    cleanup.add(() => site.close());
    const cookie = await signIn(site, owner);
    const token = await bearerToken(site, owner);
    print(`server up on ${owner.host} (port ${server.port}); resident memory ${Math.round(server.rssMb() ?? 0)} MB; the machine's load average ${loadAverage()}`);
    const context = { site, cookie, apiKey, pg, frame: filled.frame, server, env: backend.env, print };
    // Each part on its own: one that cannot run says why, the others still run, and the bench fails at the end.
    const failed = [];
    for (const [name, part] of [
      ['summary', () => summaryTable(context)],
      ['search', () => searchTable(context)],
      ['export', () => exportTable(context)],
      ['live events', () => liveTable({ port: server.port, host: owner.host, token, target, print })],
    ]) {
      try {
        await part();
      } catch (error) {
        failed.push(name);
        print(`\nanalytics · ${name} could not be measured: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (failed.length) throw new Error(`not measured: ${failed.join(', ')} (see above)`);
  } finally {
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
    await cleanup.run();
  }
}

/** A key of the client's with every scope and the highest per-minute limit, made by the real service. */
async function createApiKey(env, ctx) {
  const { Database } = dist('libs/db/src/index.js');
  const { ApiKeys, MAX_RATE_LIMIT_PER_MINUTE } = dist('libs/analytics/src/index.js');
  const { API_KEY_SCOPES } = dist('libs/db/src/index.js');
  const db = await Database.open({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  try {
    const made = await new ApiKeys(db, null).create({ ...ctx, locale: 'en' }, { userId: null, name: 'bench' }, { name: 'bench', scopes: [...API_KEY_SCOPES], rateLimitPerMinute: MAX_RATE_LIMIT_PER_MINUTE });
    return made.key;
  } finally {
    await db.close();
  }
}

const loadAverage = () => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '–';
  }
};

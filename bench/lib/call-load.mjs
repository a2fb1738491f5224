// A load driver for jambonz webhook applications: N simulated calls at once on keep-alive
// connections, each a signed call hook, a few gather results on the turn hook and the `completed`
// status, with the payloads the simulator builds (the shapes jambonz 0.9 sends). Closed loop: each of
// the N callers places its next call as soon as the last one ended, until the time is up.
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile } from './report.mjs';

const require = createRequire(import.meta.url);
const dist = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'dist');
const { newCallIdentity, callHookPayload, callInfoPayload, jambonzSignatureHeader } = require(join(dist, 'libs/telephony/src/simulator/index.js'));

const PATHS = { call: '/hooks/jambonz/call', turn: '/hooks/jambonz/turn', status: '/hooks/jambonz/status' };

/**
 * @param {{ baseUrl: string, secret: string, accountSid: string, to: string, turns: string[], concurrency: number, durationMs: number, language?: string }} options
 * @returns {Promise<{ calls: number, requests: number, errors: number, errorSamples: string[], elapsedMs: number, all: number[], byKind: Record<string, number[]> }>}
 */
export async function driveCalls({ baseUrl, secret, accountSid, to, turns, concurrency, durationMs, language = 'en-US' }) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const byKind = { call: [], turn: [], status: [] };
  const errorSamples = new Map();
  let errors = 0;
  let calls = 0;

  const post = (kind, payload) => {
    const body = JSON.stringify(payload);
    const headers = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'jambonz-signature': jambonzSignatureHeader(secret, body, Math.floor(Date.now() / 1000)),
    };
    return new Promise((done) => {
      const started = performance.now();
      const fail = (reason) => {
        errors++;
        errorSamples.set(`${kind}: ${reason}`, (errorSamples.get(`${kind}: ${reason}`) ?? 0) + 1);
        done(false);
      };
      const req = request({ host: url.hostname, port: url.port, path: PATHS[kind], method: 'POST', agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          byKind[kind].push(performance.now() - started);
          if (res.statusCode >= 200 && res.statusCode < 300) done(true);
          else fail(`${res.statusCode} ${Buffer.concat(chunks).toString('utf8').slice(0, 120)}`);
        });
        res.on('error', (e) => fail(e.message));
      });
      req.setTimeout(10_000, () => req.destroy(new Error('no answer in 10 s')));
      req.on('error', (e) => fail(e.message));
      req.end(body);
    });
  };

  const oneCall = async () => {
    const from = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const call = newCallIdentity({ from, to, accountSid, language });
    if (!(await post('call', callHookPayload(call)))) return;
    const inProgress = { status: 'in-progress', sipStatus: 200, sipReason: 'OK' };
    for (const text of turns) {
      const speech = { language_code: language, channel_tag: 1, is_final: true, alternatives: [{ confidence: 0.92, transcript: text }] };
      await post('turn', { ...callInfoPayload(call, inProgress), reason: 'speechDetected', speech });
    }
    await post('status', callInfoPayload(call, { status: 'completed', sipStatus: 200, sipReason: 'OK', duration: 30 }));
    calls++;
  };

  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) await oneCall();
    }),
  );
  const elapsedMs = performance.now() - started;
  agent.destroy();
  const all = [...byKind.call, ...byKind.turn, ...byKind.status].sort((a, b) => a - b);
  for (const list of Object.values(byKind)) list.sort((a, b) => a - b);
  return {
    calls,
    requests: all.length,
    errors,
    errorSamples: [...errorSamples].map(([reason, n]) => `${n}× ${reason}`),
    elapsedMs,
    all,
    byKind,
  };
}

/** The figures a calls table shows for one run. */
export function callFigures(run) {
  const seconds = run.elapsedMs / 1000;
  return {
    callsPerSecond: run.calls / seconds,
    requestsPerSecond: run.requests / seconds,
    p50: percentile(run.all, 50),
    p99: percentile(run.all, 99),
    turnP99: percentile(run.byKind.turn, 99),
    errors: run.errors,
  };
}

// A load driver for jambonz webhook applications: N simulated calls at once, each on its own keep-alive
// connection, each a signed call hook, a few gather results on the turn hook and the `completed` status,
// with the payloads the simulator builds (the shapes jambonz 0.9 sends). Closed loop: each of the N
// callers places its next call as soon as the last one ended, until the time is up.
//
// It speaks HTTP/1.1 on plain sockets rather than through node:http's client: it shares the machine's
// cores with the servers it measures, and node:http's client cost ~75 µs of CPU per request, so that at
// ~13k requests/s it used a whole core and became the bottleneck of a fast server. The servers answer
// with a Content-Length (chunked answers are counted as errors). The connections are established before
// the measured time starts.
import { connect } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile } from './report.mjs';

const require = createRequire(import.meta.url);
const dist = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'dist');
const { newCallIdentity, callHookPayload, callInfoPayload, jambonzSignatureHeader } = require(join(dist, 'libs/telephony/src/simulator/index.js'));

const PATHS = { call: '/hooks/jambonz/call', turn: '/hooks/jambonz/turn', status: '/hooks/jambonz/status' };
const HEADER_END = Buffer.from('\r\n\r\n');
const TIMEOUT_MS = 10_000;

/** One keep-alive HTTP/1.1 connection that carries one request at a time. */
class Connection {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.socket = null;
    this.buffer = null;
    this.waiting = null;
  }

  /** Sends a POST; resolves to `{ status, body }`, or rejects on a broken connection, a bad answer or a timeout. */
  post(path, headers, body) {
    if (!this.socket || this.socket.destroyed) this.open();
    return new Promise((done, fail) => {
      const timer = setTimeout(() => this.reset(new Error(`no answer in ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      this.waiting = {
        done: (answer) => (clearTimeout(timer), done(answer)),
        fail: (error) => (clearTimeout(timer), fail(error)),
      };
      this.socket.write(`POST ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n${headers}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  }

  /** Opens the connection; resolves once it is established, or rejects on an error or after the timeout. */
  connect() {
    if (!this.socket || this.socket.destroyed) this.open();
    const socket = this.socket;
    if (!socket.connecting) return Promise.resolve();
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`not connected in ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      socket.once('connect', () => (clearTimeout(timer), done()));
      socket.once('error', (error) => (clearTimeout(timer), fail(error)));
    });
  }

  close() {
    this.socket?.destroy();
    this.socket = null;
  }

  open() {
    this.buffer = null;
    const socket = connect(this.port, this.host);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', (error) => this.reset(error));
    socket.on('close', () => this.reset(new Error('connection closed')));
    this.socket = socket;
  }

  reset(error) {
    const waiting = this.waiting;
    this.waiting = null;
    this.close();
    waiting?.fail(error);
  }

  receive(chunk) {
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
    const end = this.buffer.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buffer.toString('latin1', 0, end);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.reset(new Error(`answer without content-length: ${head.split('\r\n')[0]}`));
    const total = end + HEADER_END.length + Number(length[1]);
    if (this.buffer.length < total) return;
    const status = Number(head.slice(9, 12));
    const body = this.buffer.toString('utf8', end + HEADER_END.length, total);
    this.buffer = this.buffer.length > total ? this.buffer.subarray(total) : null;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.done({ status, body });
  }
}

/**
 * @param {{ baseUrl: string, secret: string, accountSid: string, to: string, turns: string[], concurrency: number, durationMs: number, language?: string }} options
 * @returns {Promise<{ calls: number, requests: number, errors: number, errorSamples: string[], elapsedMs: number, all: number[], byKind: Record<string, number[]> }>}
 */
export async function driveCalls({ baseUrl, secret, accountSid, to, turns, concurrency, durationMs, language = 'en-US' }) {
  const url = new URL(baseUrl);
  const byKind = { call: [], turn: [], status: [] };
  const errorSamples = new Map();
  let errors = 0;
  let calls = 0;

  const post = async (connection, kind, payload) => {
    const body = JSON.stringify(payload);
    const headers = `content-type: application/json\r\njambonz-signature: ${jambonzSignatureHeader(secret, body, Math.floor(Date.now() / 1000))}\r\n`;
    const started = performance.now();
    const fail = (reason) => {
      errors++;
      errorSamples.set(`${kind}: ${reason}`, (errorSamples.get(`${kind}: ${reason}`) ?? 0) + 1);
      return false;
    };
    try {
      const { status, body: answer } = await connection.post(PATHS[kind], headers, body);
      byKind[kind].push(performance.now() - started);
      return status >= 200 && status < 300 ? true : fail(`${status} ${answer.slice(0, 120)}`);
    } catch (error) {
      return fail(error.message);
    }
  };

  const oneCall = async (connection) => {
    const from = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const call = newCallIdentity({ from, to, accountSid, language });
    if (!(await post(connection, 'call', callHookPayload(call)))) return;
    const inProgress = { status: 'in-progress', sipStatus: 200, sipReason: 'OK' };
    for (const text of turns) {
      const speech = { language_code: language, channel_tag: 1, is_final: true, alternatives: [{ confidence: 0.92, transcript: text }] };
      await post(connection, 'turn', { ...callInfoPayload(call, inProgress), reason: 'speechDetected', speech });
    }
    await post(connection, 'status', callInfoPayload(call, { status: 'completed', sipStatus: 200, sipReason: 'OK', duration: 30 }));
    calls++;
  };

  const connections = Array.from({ length: concurrency }, () => new Connection(url.hostname, Number(url.port || 80)));
  // The connections are open before the clock starts, as jambonz keeps its connections to an application
  // alive: otherwise every run began with `concurrency` connects at once, and the first request of each
  // waited for its connection (up to ~3 s when a SYN was retried), which is about 1 % of a run's requests
  // on a slow machine, right at the p99. A connection that fails here fails again, counted, at its first request.
  await Promise.all(connections.map((connection) => connection.connect().catch(() => undefined)));
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    connections.map(async (connection) => {
      while (performance.now() < deadline) await oneCall(connection);
    }),
  );
  const elapsedMs = performance.now() - started;
  for (const connection of connections) connection.close();
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

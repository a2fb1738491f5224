// HTTP to the server under test as its users reach it: on a client's host name (sent as `Host`, the
// server listening on loopback), over keep-alive connections, with an API key, a bearer token or a
// signed-in session. node:http rather than fetch, because fetch will not send a `Host` of our choosing.
import { Agent, request } from 'node:http';
import { percentile } from './report.mjs';

/**
 * One site of the server: `port` on 127.0.0.1, reached as `host`.
 * @param {{ port: number, host: string }} site
 */
export function siteClient({ port, host }) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });

  /**
   * Sends one request; resolves to `{ status, headers, body, ms }` (`ms` from sending to the last byte).
   * With `sink`, the body is handed chunk by chunk to it and not kept (big downloads).
   * @param {{ method?: string, path: string, headers?: Record<string, string>, body?: string, sink?: (chunk: Buffer) => void, timeoutMs?: number }} options
   */
  const send = ({ method = 'GET', path, headers = {}, body, sink, timeoutMs = 60_000 }) =>
    new Promise((done, fail) => {
      const started = performance.now();
      const req = request({ agent, host: '127.0.0.1', port, method, path, headers: { host, ...headers, ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) } }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => (sink ? sink(chunk) : chunks.push(chunk)));
        res.on('end', () => done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        res.on('error', fail);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs / 1000} s`)));
      req.on('error', fail);
      req.end(body);
    });

  return {
    send,
    get: (path, headers = {}) => send({ path, headers }),
    close: () => agent.destroy(),
  };
}

/** Throws with the answer's first words unless its status is `expected`. */
export function expectStatus(answer, expected, what) {
  if (answer.status !== expected) throw new Error(`${what}: HTTP ${answer.status} (expected ${expected}): ${answer.body.slice(0, 300)}`);
  return answer;
}

/**
 * Signs in through the login form as a browser would (the CSRF cookie and token of GET /login, then the
 * form posted); resolves to the `Cookie` header of the session.
 */
export async function signIn(site, { email, password }) {
  const page = expectStatus(await site.get('/login', { accept: 'text/html' }), 200, 'GET /login');
  const cookies = [].concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!token) throw new Error('GET /login: no CSRF token in the form');
  const form = new URLSearchParams({ email, password, _csrf: token }).toString();
  const answer = await site.send({ method: 'POST', path: '/login', headers: { cookie: cookies.join('; '), 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  expectStatus(answer, 303, 'POST /login');
  const session = [].concat(answer.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).find((c) => c.startsWith('tero_session='));
  if (!session) throw new Error('POST /login: no session cookie');
  return [...cookies, session].join('; ');
}

/** A bearer token of the user's (POST /api/v1/auth/token), as the live feed and the API take it. */
export async function bearerToken(site, { email, password }) {
  const answer = expectStatus(
    await site.send({ method: 'POST', path: '/api/v1/auth/token', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) }),
    200,
    'POST /api/v1/auth/token',
  );
  return JSON.parse(answer.body).accessToken;
}

/**
 * Latency of one question asked again and again, one at a time: `warmup` answers thrown away, then
 * `samples` timed. Every answer must have status 200 (a fast error is not a fast answer).
 * @returns {Promise<{ p50: number, p95: number, max: number, samples: number, bytes: number }>}
 */
export async function sampleLatency(ask, { samples, warmup = 5 }) {
  for (let i = 0; i < warmup; i++) expectStatus(await ask(), 200, 'warm-up');
  const times = [];
  let bytes = 0;
  for (let i = 0; i < samples; i++) {
    const answer = expectStatus(await ask(), 200, 'sample');
    times.push(answer.ms);
    bytes += Buffer.byteLength(answer.body);
  }
  return latencyFigures(times, bytes);
}

/** p50, p95 and max of timings in ms. */
export function latencyFigures(times, bytes = 0) {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? null, samples: sorted.length, bytes };
}

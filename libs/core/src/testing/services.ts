import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { redactUrl } from '../jobs/redact-url';

/**
 * Guards for test suites that need a real Redis or PostgreSQL. Jest collects tests synchronously, so the
 * probe runs synchronously in a child process:
 *
 * ```ts
 * const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
 * (requireRedis(REDIS_URL) ? describe : describe.skip)('BullMqJobQueue', () => { … });
 * ```
 *
 * When the service answers, the suite runs. When it does not: in CI (`CI=true`) this throws, which fails
 * the test file with the reason, since CI provides the services and a silent skip would hide a broken
 * pipeline; on a developer's machine it prints the reason and the suite is skipped.
 */
export function requireRedis(url: string): boolean {
  return requireService('Redis', url, 6379, REDIS_PROBE);
}

export function requirePostgres(url: string): boolean {
  return requireService('PostgreSQL', url, 5432, POSTGRES_PROBE);
}

const PROBE_TIMEOUT_MS = 3000;

/**
 * Deletes every key of a test's Redis prefix (`<prefix>:*`), a page of SCAN at a time: BullMQ keeps its
 * queues' keys with no expiry, so a suite that does not clear its prefix leaves them on the shared Redis
 * for good (~30 a booted app). SCAN walks the whole keyspace: give the hook that calls this a long timeout
 * on a Redis shared with other work. Resolves to the number of keys deleted.
 */
export async function clearRedisPrefix(url: string, prefix: string): Promise<number> {
  if (!prefix) throw new Error('clearRedisPrefix needs a prefix (an empty one would clear everything)');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 10_000);
      cursor = next;
      if (keys.length) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

function requireService(service: string, url: string, defaultPort: number, probe: string): boolean {
  const problem = probeService(url, defaultPort, probe);
  if (problem === null) return true;
  const message = `${service} not reachable at ${redactUrl(url)} (${problem})`;
  if (process.env.CI === 'true') throw new Error(`${message}: CI=true requires it, failing`);
  console.warn(`${message}: skipped`);
  return false;
}

/** Null when the service answered as expected, else why not. */
function probeService(url: string, defaultPort: number, probe: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'unparseable URL';
  }
  const target = JSON.stringify({
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: Number(parsed.port || defaultPort),
    tls: parsed.protocol === 'rediss:',
  });
  try {
    execFileSync(process.execPath, ['-e', PROBE_PRELUDE + probe, target], {
      timeout: PROBE_TIMEOUT_MS + 1000,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return null;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || 'no answer';
  }
}

// The child connects, writes `hello`, and exits 0 when the first bytes back satisfy `ok`.
const PROBE_PRELUDE = `
const { host, port, tls } = JSON.parse(process.argv[1]);
const fail = (m) => { process.stderr.write(String(m)); process.exit(1); };
setTimeout(() => fail('timed out'), ${PROBE_TIMEOUT_MS}).unref();
function probe(hello, ok) {
  const socket = (tls ? require('node:tls') : require('node:net')).connect({ host, port, servername: host });
  socket.on(tls ? 'secureConnect' : 'connect', () => socket.write(hello));
  socket.once('data', (d) => (ok(d) ? process.exit(0) : fail('unexpected answer')));
  socket.on('error', (e) => fail(e.code || e.message));
}
`;
// PING answers +PONG, or -NOAUTH when a password is needed: either way a Redis is there.
const REDIS_PROBE = `probe('PING\\r\\n', (d) => /^(\\+PONG|-NOAUTH)/.test(d.toString()));`;
// An SSLRequest is answered with one byte, S or N, by any PostgreSQL server.
const POSTGRES_PROBE = `probe(Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]), (d) => d[0] === 83 || d[0] === 78);`;

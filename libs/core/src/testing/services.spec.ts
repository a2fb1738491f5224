import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { requirePostgres, requireRedis } from './services';

/**
 * The probe runs synchronously in a child process, so the fake services must live in another process too
 * (this one is blocked while the probe runs).
 */
async function fakeService(answer: string): Promise<{ port: number; child: ChildProcess }> {
  const script = `
    const server = require('node:net').createServer((s) => s.once('data', () => s.end(Buffer.from(${JSON.stringify(answer)}, 'latin1'))));
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { port: Number(chunk.toString().trim()), child };
}

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe('requireRedis / requirePostgres', () => {
  const children: ChildProcess[] = [];
  const ci = process.env.CI;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    warn.mockRestore();
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
    for (const child of children.splice(0)) child.kill();
  });

  it('runs the suite when the service answers like Redis or PostgreSQL', async () => {
    const redis = await fakeService('+PONG\r\n');
    const postgres = await fakeService('N');
    children.push(redis.child, postgres.child);
    expect(requireRedis(`redis://127.0.0.1:${redis.port}`)).toBe(true);
    expect(requirePostgres(`postgres://u:p@127.0.0.1:${postgres.port}/db`)).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });

  it('outside CI, skips with the reason printed, without the password', async () => {
    delete process.env.CI;
    const port = await closedPort();
    expect(requireRedis(`redis://:hunter2@127.0.0.1:${port}`)).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`^Redis not reachable at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}.*: skipped$`)));
    expect(warn.mock.calls[0][0]).not.toContain('hunter2');
  });

  it('treats a server that is not the expected service as unreachable', async () => {
    delete process.env.CI;
    const http = await fakeService('HTTP/1.1 400 Bad Request\r\n\r\n');
    children.push(http.child);
    expect(requireRedis(`redis://127.0.0.1:${http.port}`)).toBe(false);
    expect(requirePostgres(`postgresql://127.0.0.1:${http.port}/db`)).toBe(false);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('in CI, fails with a clear message instead of skipping', async () => {
    process.env.CI = 'true';
    const port = await closedPort();
    expect(() => requirePostgres(`postgres://127.0.0.1:${port}/db`)).toThrow(
      new RegExp(`PostgreSQL not reachable at postgres://127\\.0\\.0\\.1:${port}/db .*CI=true requires it`),
    );
    expect(warn).not.toHaveBeenCalled();
  });
});

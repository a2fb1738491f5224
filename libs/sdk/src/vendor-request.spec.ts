import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TeroError } from './errors';
import { type VendorFailure, vendorRequest } from './vendor-request';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local vendor that answers each path its own way and remembers what it was sent. */
async function vendor(routes: Record<string, (res: ServerResponse, req: IncomingMessage) => void>): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      routes[req.url ?? '']!(res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

async function stop(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

describe('vendorRequest', () => {
  let logged: TeroError[];
  let failure: VendorFailure;
  beforeEach(() => {
    logged = [];
    failure = { vendor: 'Acme', code: 'voice.unavailable', onFailure: (error) => logged.push(error) };
  });

  it('sends an object as JSON with the caller’s headers and reads the answer’s bytes, text and JSON', async () => {
    const { url, seen, server } = await vendor({ '/voices': (res) => res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"v1"}') });
    const answer = await vendorRequest({ method: 'POST', url: `${url}/voices`, headers: { 'x-api-key': 'k' }, body: { name: 'Ada' }, timeoutMs: 5_000, failure });
    expect(seen).toEqual([expect.objectContaining({ method: 'POST', path: '/voices', body: '{"name":"Ada"}' })]);
    expect(seen[0]!.headers).toMatchObject({ 'x-api-key': 'k', 'content-type': 'application/json' });
    expect(answer).toMatchObject({ status: 201, ok: true });
    expect(answer.text()).toBe('{"id":"v1"}');
    expect(answer.json()).toEqual({ id: 'v1' });
    expect(Buffer.from(answer.bytes).toString()).toBe('{"id":"v1"}');
    expect(logged).toEqual([]);
    await stop(server);
  });

  it('sends a FormData as multipart and no body when there is none', async () => {
    const { url, seen, server } = await vendor({ '/clone': (res) => res.writeHead(200).end('ok'), '/voices/v1': (res) => res.writeHead(204).end() });
    const form = new FormData();
    form.append('name', 'Ada');
    await vendorRequest({ method: 'POST', url: `${url}/clone`, body: form, timeoutMs: 5_000, failure });
    const gone = await vendorRequest({ method: 'DELETE', url: `${url}/voices/v1`, timeoutMs: 5_000, failure });
    expect(seen[0]!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen[0]!.body).toContain('name="name"');
    expect(seen[1]).toMatchObject({ method: 'DELETE', body: '' });
    expect(seen[1]!.headers['content-type']).toBeUndefined();
    expect(gone).toMatchObject({ status: 204, ok: true });
    expect(gone.bytes.length).toBe(0);
    await stop(server);
  });

  it('returns a refusal as it is, for the plugin to read', async () => {
    const { url, server } = await vendor({ '/x': (res) => res.writeHead(429).end('slow down') });
    const answer = await vendorRequest({ method: 'GET', url: `${url}/x`, timeoutMs: 5_000, failure });
    expect(answer).toMatchObject({ status: 429, ok: false });
    expect(answer.text()).toBe('slow down');
    expect(logged).toEqual([]);
    await stop(server);
  });

  it('throws the caller’s retryable error when the vendor does not answer in time, and reports it once', async () => {
    const { url, server } = await vendor({ '/hang': () => undefined });
    const error = await vendorRequest({ method: 'GET', url: `${url}/hang`, timeoutMs: 100, failure }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeroError);
    expect(error).toMatchObject({ code: 'voice.unavailable', message: 'Acme did not answer within 100 ms', params: { reason: 'timeout after 100 ms', timeoutMs: 100 }, options: { status: 503 } });
    expect((error as TeroError).retryable).toBe(true);
    expect(logged).toEqual([error]);
    await stop(server);
  });

  it('throws it too when the body breaks off while it is read', async () => {
    const { url, server } = await vendor({
      '/cut': (res, req) => {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('partial', () => req.socket.destroy());
      },
    });
    const error = await vendorRequest({ method: 'GET', url: `${url}/cut`, timeoutMs: 5_000, failure }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'voice.unavailable', message: expect.stringMatching(/^Acme unreachable: \S/) });
    expect((error as TeroError).retryable).toBe(true);
    expect(logged).toEqual([error]);
    await stop(server);
  });

  it('throws it when nothing listens, naming the network’s reason', async () => {
    const { url, server } = await vendor({});
    await stop(server);
    const error = await vendorRequest({ method: 'GET', url: `${url}/x`, timeoutMs: 5_000, failure }).catch((e: unknown) => e);
    // The network's reason is the error's cause when it has one (ECONNREFUSED), else its own words.
    expect(error).toMatchObject({ code: 'voice.unavailable', message: expect.stringMatching(/^Acme unreachable: \S/), params: { reason: expect.stringMatching(/\S/) } });
    expect((error as TeroError).retryable).toBe(true);
    expect(logged).toEqual([error]);
  });

  it('throws it when a body read as JSON is not JSON', async () => {
    const { url, server } = await vendor({ '/x': (res) => res.writeHead(200).end('<html>') });
    const answer = await vendorRequest({ method: 'GET', url: `${url}/x`, timeoutMs: 5_000, failure });
    expect(() => answer.json()).toThrow(expect.objectContaining({ code: 'voice.unavailable', message: 'Acme answered something that is not JSON', params: { reason: 'answer is not JSON' } }));
    expect(logged).toHaveLength(1);
    await stop(server);
  });
});

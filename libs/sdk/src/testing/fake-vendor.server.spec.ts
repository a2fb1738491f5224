import { closedPort, listenFakeVendor, readFakeBody } from './fake-vendor.server';

describe('listenFakeVendor', () => {
  it('serves the handler on 127.0.0.1 and reads bodies up to a limit', async () => {
    const listener = await listenFakeVendor(
      async (req, res) => {
        const body = await readFakeBody(req, 8);
        res.writeHead(body ? 200 : 413).end(body ? `got ${body.toString()}` : 'too large');
      },
      { contentType: 'text/plain', body: 'the fake failed', record: () => undefined },
    );
    expect(listener.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const small = await fetch(listener.origin, { method: 'POST', body: 'hello' });
    expect([small.status, await small.text()]).toEqual([200, 'got hello']);
    const large = await fetch(listener.origin, { method: 'POST', body: 'more than eight bytes' });
    expect([large.status, await large.text()]).toEqual([413, 'too large']);
    await listener.stop();
  });

  it('answers a handler’s own failure 500 in the vendor’s shape and keeps the error', async () => {
    const recorded: unknown[] = [];
    const listener = await listenFakeVendor(
      async () => {
        throw new Error('bug in the fake');
      },
      { contentType: 'application/json', body: '{"error":"the fake failed"}', record: (error) => recorded.push(error) },
    );
    const res = await fetch(listener.origin);
    expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([500, 'application/json', '{"error":"the fake failed"}']);
    expect(recorded).toEqual([expect.objectContaining({ message: 'bug in the fake' })]);
    await listener.stop();
  });

  it('stops even while a request hangs, and refuses connections after', async () => {
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const listener = await listenFakeVendor(
      () => {
        arrived();
        return new Promise<void>(() => undefined);
      },
      { contentType: 'text/plain', body: '', record: () => undefined },
    );
    const hanging = fetch(listener.origin).then(
      () => 'answered',
      () => 'dropped',
    );
    await reached;
    await listener.stop();
    expect(await hanging).toBe('dropped');
    await expect(fetch(listener.origin)).rejects.toThrow();
  });
});

describe('closedPort', () => {
  it('names a port where a connection is refused', async () => {
    const port = await closedPort();
    expect(port).toBeGreaterThan(0);
    const error = await fetch(`http://127.0.0.1:${port}/`).then(
      () => null,
      (e: { cause?: { code?: string } }) => e,
    );
    expect(error?.cause?.code).toBe('ECONNREFUSED');
  });
});

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';

/** A fake vendor's HTTP server, listening on 127.0.0.1 on a free port. */
export interface FakeVendorListener {
  /** `http://127.0.0.1:<port>`: what a plugin under test is pointed at. */
  readonly origin: string;
  /** Stops listening and drops open connections, hanging ones included. */
  stop(): Promise<void>;
}

/** How a fake answers when its own code throws: the error is kept for the test, the client gets a 500 in the vendor's shape. */
export interface FakeVendorBreakdown {
  contentType: string;
  body: string;
  record(error: unknown): void;
}

/**
 * Starts the server every local fake vendor needs: each request goes to `handle`; a handler that throws
 * is recorded and answered 500 (so a fake's own bug shows in the test, not as a vendor's answer).
 */
export async function listenFakeVendor(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, breakdown: FakeVendorBreakdown): Promise<FakeVendorListener> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      breakdown.record(error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': breakdown.contentType });
      res.end(breakdown.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A request's whole body, or undefined when it is over `limit` bytes (read to its end either way, so the fake can still answer). */
export async function readFakeBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed): where a plugin meets a vendor out of reach. */
export async function closedPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

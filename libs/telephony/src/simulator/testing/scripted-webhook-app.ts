import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** jambonz's own verifier, from the package its app generator uses (no types shipped). */
const { WebhookResponse } = require('@jambonz/node-client') as {
  WebhookResponse: { verifyJambonzSignature(secret: string | string[]): (req: unknown, res: unknown, next: () => void) => void };
};

/** One request the app received. */
export interface ReceivedHook {
  path: string;
  body: Record<string, unknown>;
  signature: string | undefined;
  /** Whether `WebhookResponse.verifyJambonzSignature(secret)` accepted it. */
  signatureValid: boolean;
}

/** Verbs to answer with (200, JSON), or a raw answer. */
export type ScriptedAnswer = unknown[] | { status: number; body?: string; contentType?: string };

/**
 * A tiny jambonz application on node:http for tests: answers each hook from a script (`count` is how
 * many requests that path has had, this one included), answers status hooks 204, refuses with 401
 * what jambonz's own verifier rejects, and records every request.
 */
export class ScriptedWebhookApp {
  readonly received: ReceivedHook[] = [];
  private server: Server | null = null;
  port = 0;

  constructor(
    private readonly answer: (path: string, body: Record<string, unknown>, count: number) => ScriptedAnswer,
    private readonly secret: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  paths(): string[] {
    return this.received.map((r) => r.path);
  }

  /** The `call_status` of each status hook, in order. */
  statuses(): string[] {
    return this.received.filter((r) => r.path === '/hooks/jambonz/status').map((r) => String(r.body.call_status));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let signatureValid = true;
    try {
      WebhookResponse.verifyJambonzSignature(this.secret)({ get: (name: string) => req.headers[name.toLowerCase()], body: raw, url: req.url }, res, () => undefined);
    } catch {
      signatureValid = false;
    }
    const path = req.url ?? '';
    const body = JSON.parse(raw) as Record<string, unknown>;
    this.received.push({ path, body, signature: req.headers['jambonz-signature'] as string | undefined, signatureValid });
    if (!signatureValid) {
      res.writeHead(401).end();
      return;
    }
    const count = this.received.filter((r) => r.path === path).length;
    const answer = path === '/hooks/jambonz/status' ? { status: 204 } : this.answer(path, body, count);
    if (Array.isArray(answer)) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    else res.writeHead(answer.status, answer.contentType ? { 'content-type': answer.contentType } : {}).end(answer.body ?? '');
  }
}

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceivedEmail } from '@tero/sdk/testing';

/** A Mail Send request body as SendGrid documents it (what the fake reads of it). */
interface MailSendBody {
  personalizations?: { to?: { email?: string }[] }[];
  from?: { email?: string; name?: string };
  reply_to?: { email?: string; name?: string };
  subject?: string;
  content?: { type?: string; value?: string }[];
  headers?: Record<string, string>;
  custom_args?: Record<string, string>;
  attachments?: { content?: string; filename?: string; type?: string; disposition?: string }[];
}

/** One accepted request, as the contract compares it, plus what SendGrid-specific tests look at. */
export interface FakeSendgridMessage extends ReceivedEmail {
  messageId: string;
  customArgs: Record<string, string>;
  personalizations: number;
  /** Attached files as SendGrid received them (content in base64). */
  attachments: { content: string; filename: string; type?: string; disposition?: string }[];
}

/**
 * A local stand-in for SendGrid's v3 API on 127.0.0.1: `POST /v3/mail/send` (202 with `X-Message-Id`, 400 with
 * `{ errors: [{ message, field, help }] }` for a body SendGrid would refuse, 401 for another key) and
 * `GET /v3/scopes`. `failNext(status, times)` injects faults (429, 500…).
 */
export class FakeSendgridServer {
  readonly messages: FakeSendgridMessage[] = [];
  private server?: Server;
  private faults: number[] = [];
  port = 0;

  constructor(readonly apiKey = `SG.${randomBytes(8).toString('hex')}.${randomBytes(16).toString('hex')}`) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  failNext(status: number, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(status);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body, headers }) => {
        res.writeHead(status, { ...(body ? { 'content-type': 'application/json' } : {}), ...headers });
        res.end(body ? JSON.stringify(body) : undefined);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body?: unknown; headers?: Record<string, string> }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return { status: 401, body: { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked', field: null, help: null }] } };
    }
    const fault = this.faults.shift();
    if (fault) return { status: fault, body: { errors: [{ message: `injected ${fault}`, field: null, help: null }] } };
    if (req.method === 'GET' && req.url === '/v3/scopes') return { status: 200, body: { scopes: ['mail.send'] } };
    if (req.method !== 'POST' || req.url !== '/v3/mail/send') return { status: 404, body: { errors: [{ message: 'not found', field: null, help: null }] } };
    let body: MailSendBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as MailSendBody;
    } catch {
      return { status: 400, body: { errors: [{ message: 'Bad Request', field: null, help: null }] } };
    }
    const errors = validate(body);
    if (errors.length) return { status: 400, body: { errors } };
    const messageId = randomBytes(11).toString('base64url');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(body.headers ?? {})) headers[name.toLowerCase()] = value;
    if (body.reply_to?.email) headers['reply-to'] = body.reply_to.name ? `${body.reply_to.name} <${body.reply_to.email}>` : body.reply_to.email;
    this.messages.push({
      from: body.from!.name ? `${body.from!.name} <${body.from!.email}>` : body.from!.email!,
      to: body.personalizations!.flatMap((p) => (p.to ?? []).map((t) => t.email!)),
      subject: body.subject!,
      text: body.content!.find((c) => c.type === 'text/plain')?.value ?? '',
      html: body.content!.find((c) => c.type === 'text/html')?.value,
      headers,
      messageId,
      customArgs: body.custom_args ?? {},
      personalizations: body.personalizations!.length,
      attachments: (body.attachments ?? []).map((file) => ({ content: file.content!, filename: file.filename!, type: file.type, disposition: file.disposition })),
    });
    return { status: 202, headers: { 'x-message-id': messageId } };
  }
}

/** What SendGrid checks before accepting: the fields, and the text/plain part first. */
function validate(body: MailSendBody): { message: string; field: string; help: string | null }[] {
  const errors: { message: string; field: string; help: string | null }[] = [];
  const email = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  if (!body.personalizations?.length) errors.push({ message: 'The personalizations field is required and must have at least one personalization.', field: 'personalizations', help: null });
  for (const [i, p] of (body.personalizations ?? []).entries()) {
    for (const [j, to] of (p.to ?? []).entries()) {
      if (!to.email || !email.test(to.email)) errors.push({ message: 'Does not contain a valid address.', field: `personalizations.${i}.to.${j}.email`, help: null });
    }
  }
  if (!body.from?.email || !email.test(body.from.email)) errors.push({ message: 'The from email does not contain a valid address.', field: 'from.email', help: null });
  if (!body.subject) errors.push({ message: 'The subject is required.', field: 'subject', help: null });
  if (!body.content?.length) errors.push({ message: 'Unless a valid template_id is provided, the content parameter is required.', field: 'content', help: null });
  else if (body.content[0].type !== 'text/plain') errors.push({ message: 'If present, text/plain must be first.', field: 'content.0.type', help: null });
  for (const [i, file] of (body.attachments ?? []).entries()) {
    if (!file.content) errors.push({ message: 'The attachment content is required.', field: `attachments.${i}.content`, help: null });
    if (!file.filename) errors.push({ message: 'The attachment filename parameter is required.', field: `attachments.${i}.filename`, help: null });
  }
  return errors;
}

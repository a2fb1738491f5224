import {
  PluginConfigError,
  TeroError,
  type EmailEvent,
  type EmailMessage,
  type EmailReceipt,
  type EmailTransport,
  type EmailWebhookRequest,
  type PluginLogger,
  type TenantContext,
} from '@tero/sdk';
import { parseSendgridEvents, verifySendgridSignature } from './sendgrid.events';

/** Instance settings (`EMAIL_SENDGRID_API_KEY`…) with a tenant's laid over them. */
export interface SendgridEmailConfig {
  apiKey?: string;
  /** Base64 DER (SPKI) P-256 public key of the signed event webhook. */
  webhookPublicKey?: string;
  /** Sender used when a message has none. */
  from?: string;
  /** Instance-only: tenants cannot point the server at a host of their choosing. */
  baseUrl?: string;
}

const PLUGIN_ID = 'email-sendgrid';
/** A silent API must fail a send soon enough for the job to be retried, not hang a worker. */
const TIMEOUT_MS = 15_000;

/** `"Name <a@b>"`, `"\"Name\" <a@b>"` or `a@b` → SendGrid's `{ email, name }`. */
export function parseSender(value: string): { email: string; name?: string } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(value);
  if (!match) return { email: value.trim() };
  return match[1] ? { email: match[2].trim(), name: match[1].trim() } : { email: match[2].trim() };
}

interface SendgridErrorBody {
  errors?: { message?: string; field?: string | null; help?: string | null }[];
}

/**
 * Sends through SendGrid's v3 Mail Send API with `fetch`: one personalization per recipient (nobody sees the
 * others' addresses), text and HTML content, custom headers, and the message's `metadata` as `custom_args`
 * so its events come back with our message id. 202 is accepted; 400 and 401/403 are `email.rejected`
 * (a retry cannot help), 429, 5xx and network failures `email.unavailable` (retryable).
 */
export class SendgridEmailTransport implements EmailTransport {
  private readonly baseUrl: string;

  constructor(
    private readonly config: SendgridEmailConfig,
    private readonly logger: PluginLogger,
  ) {
    if (!config.apiKey) throw new PluginConfigError(PLUGIN_ID, 'apiKey', 'is required');
    const base = config.baseUrl ?? 'https://api.sendgrid.com';
    if (!/^https?:\/\/\S+$/.test(base)) throw new PluginConfigError(PLUGIN_ID, 'baseUrl', 'must be an http(s) URL');
    this.baseUrl = base.replace(/\/+$/, '');
  }

  async send(ctx: TenantContext, message: EmailMessage): Promise<EmailReceipt> {
    const from = message.from || this.config.from;
    if (!from) throw new TeroError('email.rejected', 'SendGrid needs a sender: the message has none and no `from` is configured');
    const content = [{ type: 'text/plain', value: message.text }, ...(message.html ? [{ type: 'text/html', value: message.html }] : [])];
    const body = {
      personalizations: message.to.map((email) => ({ to: [{ email }] })),
      from: parseSender(from),
      ...(message.replyTo ? { reply_to: parseSender(message.replyTo) } : {}),
      subject: message.subject,
      content,
      ...(message.headers && Object.keys(message.headers).length ? { headers: message.headers } : {}),
      ...(message.metadata && Object.keys(message.metadata).length ? { custom_args: message.metadata } : {}),
      ...(message.attachments?.length ? { attachments: message.attachments.map((file) => ({ content: file.contentBase64, filename: file.filename, type: file.contentType, disposition: 'attachment' })) } : {}),
    };
    const response = await this.request('POST', '/v3/mail/send', body);
    if (response.status !== 202) {
      const failure = await this.failure(response, 'send');
      this.logger.warn({ brandId: ctx.brandId, clientId: ctx.clientId, requestId: ctx.requestId, code: failure.code, err: failure.message }, 'sendgrid send failed');
      throw failure;
    }
    await response.body?.cancel().catch(() => undefined);
    return { messageId: response.headers.get('x-message-id') ?? '', accepted: [...message.to], rejected: [] };
  }

  /** An authenticated GET that sends nothing: the key's scopes. */
  async verify(_ctx: TenantContext): Promise<void> {
    const response = await this.request('GET', '/v3/scopes');
    if (response.status !== 200) throw await this.failure(response, 'verify');
    await response.body?.cancel().catch(() => undefined);
  }

  async parseEvents(_ctx: TenantContext, request: EmailWebhookRequest): Promise<EmailEvent[]> {
    if (!this.config.webhookPublicKey) {
      throw new TeroError('email.webhook_unverified', 'no SendGrid webhook verification key is configured', {}, { status: 401 });
    }
    verifySendgridSignature(this.config.webhookPublicKey, request);
    return parseSendgridEvents(request.rawBody);
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.config.apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new TeroError('email.unavailable', `SendGrid unreachable: ${(error as Error).message}`, {}, { cause: error, retryable: true });
    }
  }

  private async failure(response: Response, what: string): Promise<TeroError> {
    const text = await response.text().catch(() => '');
    let detail = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as SendgridErrorBody;
      if (parsed.errors?.length) detail = parsed.errors.map((e) => [e.field, e.message].filter(Boolean).join(': ')).join('; ');
    } catch {
      // Not JSON: the text itself says it.
    }
    const status = response.status;
    if (status === 429 || status >= 500) {
      return new TeroError('email.unavailable', `SendGrid ${what} answered ${status}: ${detail}`, { status }, { retryable: true });
    }
    if (status === 401 || status === 403) {
      return new TeroError('email.rejected', `SendGrid refused the API key (${status}): ${detail}`, { status });
    }
    return new TeroError('email.rejected', `SendGrid refused the message (${status}): ${detail}`, { status });
  }
}

import type { Transporter } from 'nodemailer';
import {
  PluginConfigError,
  TeroError,
  type EmailMessage,
  type EmailReceipt,
  type EmailTransport,
  type PluginLogger,
  type TenantContext,
} from '@tero/sdk';

/**
 * The effective configuration: instance settings (`EMAIL_SMTP_URL`, `EMAIL_SMTP_FROM`, `EMAIL_SMTP_POOL`)
 * with a tenant's settings laid over them.
 */
export interface SmtpEmailConfig {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465` (TLS from the start). */
  url?: string;
  /** Sender used when a message has none. */
  from?: string;
  /** Keep connections open and reuse them (busy instances); otherwise one connection per message. */
  pool?: boolean;
  /** Tenant override. When set, the instance URL is ignored entirely, so its credentials never go to a tenant's server. */
  host?: string;
  port?: number;
  secure?: boolean;
  user?: string;
  pass?: string;
}

/** Resolved connection settings handed to nodemailer. */
export interface SmtpConnectionSettings {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
}

const PLUGIN_ID = 'email-smtp';

/** A dead or silent server must fail a send quickly enough for the job to be retried, not hang a worker. */
const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
/** Inactivity limit once connected; longer than the others because a large message takes a while to stream. */
const SOCKET_TIMEOUT_MS = 30_000;

/** Nodemailer error codes meaning the server could not be reached or the connection broke. */
const CONNECTION_ERRORS = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROXY', 'EPROTOCOL']);

/**
 * Combines the URL with the tenant's fields. Tenant `user`/`pass`/`port`/`secure` override the URL's;
 * a tenant `host` replaces the URL altogether.
 */
export function resolveSmtpSettings(config: SmtpEmailConfig): SmtpConnectionSettings {
  let url: URL | undefined;
  if (config.url && !config.host) {
    try {
      url = new URL(config.url);
    } catch {
      throw new PluginConfigError(PLUGIN_ID, 'url', 'must be an smtp:// or smtps:// URL');
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
      throw new PluginConfigError(PLUGIN_ID, 'url', 'must be an smtp:// or smtps:// URL');
    }
  }
  const host = config.host ?? url?.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new PluginConfigError(PLUGIN_ID, 'url', 'is required unless the tenant settings give a host');
  const secure = config.secure ?? url?.protocol === 'smtps:';
  const port = config.port ?? (url?.port ? Number(url.port) : secure ? 465 : 587);
  const user = config.user ?? (url?.username ? decodeURIComponent(url.username) : undefined);
  const pass = config.pass ?? (url?.password ? decodeURIComponent(url.password) : undefined);
  return { host, port, secure, ...(user ? { auth: { user, pass: pass ?? '' } } : {}) };
}

interface NodemailerError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** Maps a nodemailer failure to the port's error codes. */
export function toTeroError(error: unknown, settings: SmtpConnectionSettings): TeroError {
  if (error instanceof TeroError) return error;
  const e = (error ?? {}) as NodemailerError;
  const detail = e.message ?? String(error);
  const server = `${settings.host}:${settings.port}`;
  const reply = e.responseCode ?? 0;
  const unavailable = (retryable: boolean) =>
    new TeroError('email.unavailable', `SMTP server ${server} unavailable: ${detail}`, { server }, { cause: error, retryable });

  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') {
    // A 4xx on AUTH is the server's temporary trouble; a 5xx means the credentials are wrong and a retry cannot help.
    if (reply >= 400 && reply < 500) return unavailable(true);
    return new TeroError('email.auth_failed', `SMTP server ${server} refused the credentials: ${detail}`, { server }, { cause: error });
  }
  if (e.code && CONNECTION_ERRORS.has(e.code)) return unavailable(true);
  if (reply >= 400 && reply < 500) return unavailable(true); // greylisting, rate limits, mailbox busy: try later
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE' || reply >= 500) {
    return new TeroError('email.rejected', `SMTP server ${server} refused the message: ${detail}`, { server, reply }, { cause: error });
  }
  return unavailable(false);
}

/**
 * Sends e-mail through an SMTP server with nodemailer. One instance per effective configuration
 * (the registry caches it), so a tenant's new password takes effect on the next send.
 */
export class SmtpEmailTransport implements EmailTransport {
  private readonly settings: SmtpConnectionSettings;
  private readonly mailer: Transporter;

  constructor(
    private readonly config: SmtpEmailConfig,
    private readonly logger: PluginLogger,
  ) {
    this.settings = resolveSmtpSettings(config);
    // Required here, when a brand or the instance first sends through SMTP, not when the plugin loads at
    // boot: nodemailer is ~2 MB of heap that a server whose mail goes elsewhere would carry for nothing.
    const { createTransport } = require('nodemailer') as typeof import('nodemailer');
    this.mailer = createTransport({
      ...this.settings,
      pool: config.pool === true,
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      greetingTimeout: GREETING_TIMEOUT_MS,
      socketTimeout: SOCKET_TIMEOUT_MS,
      // Messages are rendered templates with no attachments: refuse file and URL content should any slip in.
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
    });
  }

  async send(ctx: TenantContext, message: EmailMessage): Promise<EmailReceipt> {
    let info: { messageId: string; accepted?: unknown[]; rejected?: unknown[] };
    try {
      info = await this.mailer.sendMail({
        from: message.from || this.config.from,
        to: message.to,
        replyTo: message.replyTo,
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: message.headers,
        attachments: message.attachments?.map((file) => ({ filename: file.filename, contentType: file.contentType, content: file.contentBase64, encoding: 'base64' })),
      });
    } catch (error) {
      const failure = toTeroError(error, this.settings);
      this.logger.warn(
        { brandId: ctx.brandId, clientId: ctx.clientId, requestId: ctx.requestId, code: failure.code, err: failure.message },
        'smtp send failed',
      );
      throw failure;
    }
    const receipt: EmailReceipt = {
      messageId: info.messageId,
      accepted: (info.accepted ?? []).map(addressOf),
      rejected: (info.rejected ?? []).map(addressOf),
    };
    if (receipt.rejected.length) {
      this.logger.warn(
        { brandId: ctx.brandId, clientId: ctx.clientId, messageId: receipt.messageId, rejected: receipt.rejected.length },
        'smtp server refused some recipients',
      );
    }
    return receipt;
  }

  async verify(_ctx: TenantContext): Promise<void> {
    try {
      await this.mailer.verify();
    } catch (error) {
      throw toTeroError(error, this.settings);
    }
  }

  /** Closes pooled connections; the registry calls it when it drops this instance. */
  close(): void {
    this.mailer.close();
  }
}

function addressOf(recipient: unknown): string {
  return typeof recipient === 'string' ? recipient : String((recipient as { address?: string }).address ?? recipient);
}

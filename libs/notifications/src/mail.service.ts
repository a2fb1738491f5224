import type { JobQueue, PluginRegistry } from '@tero/core';
import { EMAIL, type EmailMessage, type EmailReceipt, type EmailTransport, type TenantContext } from '@tero/sdk';
import type { i18n as I18nInstance } from 'i18next';

export const SEND_EMAIL_JOB = 'email.send';

interface SendEmailJob {
  ctx: TenantContext;
  message: EmailMessage;
}

/**
 * Sends the instance's e-mail through a job (retried with backoff when the server is unreachable) and
 * the configured transport: the outbox in the embedded default, or an e-mail plugin resolved for the
 * tenant, so a brand's own SMTP credentials are used for its mail.
 */
export class MailService {
  constructor(
    private readonly jobs: JobQueue,
    private readonly registry: PluginRegistry,
    private readonly outbox: EmailTransport,
    private readonly transportId: string,
  ) {}

  /** Registers the job processor; call before the queue starts. */
  register(): void {
    this.jobs.register<SendEmailJob>(SEND_EMAIL_JOB, async (job) => this.deliver(job.data.ctx, job.data.message), {
      attempts: 5,
      backoff: { type: 'exponential', delayMs: 2000 },
    });
  }

  async send(ctx: TenantContext, message: EmailMessage): Promise<string> {
    return this.jobs.enqueue<SendEmailJob>(SEND_EMAIL_JOB, { ctx, message });
  }

  async transport(ctx: TenantContext): Promise<EmailTransport> {
    return this.transportId === 'outbox' ? this.outbox : this.registry.get(EMAIL, ctx, this.transportId);
  }

  async deliver(ctx: TenantContext, message: EmailMessage): Promise<EmailReceipt> {
    return (await this.transport(ctx)).send(ctx, message);
  }
}

/** The magic-link e-mail, in the reader's language and with the brand's name and sender. */
export function magicLinkEmail(
  i18n: I18nInstance,
  brand: { name: string; from: string },
  to: { email: string; name: string; locale: string },
  url: string,
  ttlMinutes: number,
): EmailMessage {
  const t = i18n.getFixedT(to.locale, 'emails');
  const vars = { brand: brand.name, name: to.name, minutes: ttlMinutes };
  const text = [t('magicLink.greeting', vars), '', t('magicLink.body', vars), url, '', t('magicLink.ignore', vars)].join('\n');
  const escape = (value: string) => value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const html = `<p>${escape(t('magicLink.greeting', vars))}</p><p>${escape(t('magicLink.body', vars))}</p><p><a href="${escape(url)}">${escape(url)}</a></p><p>${escape(t('magicLink.ignore', vars))}</p>`;
  return { from: brand.from, to: [to.email], subject: t('magicLink.subject', vars), text, html };
}

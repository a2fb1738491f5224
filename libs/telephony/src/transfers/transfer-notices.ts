import { createHash } from 'node:crypto';
import { type EventBus, type JobQueue, isSupportedLocale } from '@tero/core';
import { Brand, Client, type Database, User } from '@tero/db';
import type { EmailMessage, TenantContext } from '@tero/sdk';
import type { i18n as I18n } from 'i18next';
import type { Logger } from 'pino';
import { TRANSFER_EVENTS, type TransferFailedPayload } from './transfer-events';

/** The job that e-mails a client's owners about one failed transfer. */
export const TRANSFER_NOTICE_JOB = 'telephony.transfer_failed_notice';

/** Sends an e-mail later (through a job): `MailService` from `@tero/notifications` is one. */
export interface TransferMailer {
  send(ctx: TenantContext, message: EmailMessage): Promise<string>;
}

export interface TransferNoticesDeps {
  db: Database;
  jobs: JobQueue;
  mail: TransferMailer;
  i18n: I18n;
  logger: Logger;
}

interface NoticeJob {
  ctx: TenantContext;
  payload: TransferFailedPayload;
}

/** One notice job per call: its id is derived from the call's sid (job ids allow only a few characters). */
export function transferNoticeJobId(callSid: string): string {
  return `transfer-failed.${createHash('sha256').update(callSid).digest('hex').slice(0, 32)}`;
}

/**
 * Tells a client's owners by e-mail that a caller could not be put through, and what the caller left: a
 * message, a call-back request, or nothing. The call path publishes `call.transfer_failed`; every replica
 * that hears it queues the same job (its id is the call's), so the owners get one e-mail per call
 * however many replicas listen or however often the event is told. Each owner reads it in their language.
 */
export class TransferNotices {
  constructor(private readonly deps: TransferNoticesDeps) {}

  /** Registers the job's processor; call before the queue starts, in every process that publishes or listens. */
  register(): void {
    this.deps.jobs.register<NoticeJob>(TRANSFER_NOTICE_JOB, async (job) => this.send(job.data.ctx, job.data.payload), {
      attempts: 5,
      backoff: { type: 'exponential', delayMs: 2000 },
    });
  }

  /** Subscribes to `call.transfer_failed`; returns the function that unsubscribes. */
  listen(events: EventBus): () => void {
    return events.subscribe(TRANSFER_EVENTS.failed, async (event) => {
      const payload = event.payload as TransferFailedPayload | null;
      if (!event.clientId || !payload || typeof payload.callSid !== 'string' || payload.callSid === '') {
        this.deps.logger.warn({ type: event.type, id: event.id }, 'a transfer_failed event without its client or call; no notice sent');
        return;
      }
      await this.enqueue({ brandId: event.brandId, clientId: event.clientId, locale: payload.locale || 'en' }, payload);
    });
  }

  /** Queues the notice of one call (a second time for the same call changes nothing). */
  async enqueue(ctx: TenantContext, payload: TransferFailedPayload): Promise<string> {
    return this.deps.jobs.enqueue<NoticeJob>(TRANSFER_NOTICE_JOB, { ctx, payload }, { jobId: transferNoticeJobId(payload.callSid) });
  }

  /** The e-mails of one notice: one per owner of the client, each in the owner's language. */
  async messagesFor(ctx: TenantContext, payload: TransferFailedPayload): Promise<EmailMessage[]> {
    const clientId = ctx.clientId;
    if (!clientId) return [];
    const em = this.deps.db.forTenant(ctx);
    const [brand, client, owners] = await Promise.all([
      em.findOne(Brand, { id: ctx.brandId }),
      em.findOne(Client, { id: clientId }),
      em.find(User, { client: clientId, role: 'client_owner' }, { orderBy: { createdAt: 'asc' } }),
    ]);
    if (!brand || !client) return [];
    return owners.map((owner) => {
      const locale = [owner.locale, client.locale, brand.defaultLocale].find(isSupportedLocale) ?? 'en';
      return noticeEmail(this.deps.i18n, locale, { brand, client, owner, payload });
    });
  }

  private async send(ctx: TenantContext, payload: TransferFailedPayload): Promise<void> {
    const messages = await this.messagesFor(ctx, payload);
    if (messages.length === 0) this.deps.logger.warn({ brandId: ctx.brandId, clientId: ctx.clientId, callSid: payload.callSid }, 'transfer notice has no recipient: the client has no owner');
    for (const message of messages) await this.deps.mail.send(ctx, message);
  }
}

const escape = (value: string) => value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** `95` → `1 min 35 s`. */
function duration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  return minutes ? (rest ? `${minutes} min ${rest} s` : `${minutes} min`) : `${rest} s`;
}

/** The notice to one owner, in `locale`, as plain text and simple HTML, from the brand's sender. */
export function noticeEmail(
  i18n: I18n,
  locale: string,
  facts: { brand: Brand; client: Client; owner: { email: string; name: string }; payload: TransferFailedPayload },
): EmailMessage {
  const { brand, client, owner, payload } = facts;
  const t = i18n.getFixedT(locale, 'calls', 'emails.transfer_failed');
  const unknown = t('unknown_number');
  const number = payload.callerNumber && /[0-9]{3}/.test(payload.callerNumber) ? payload.callerNumber : unknown;
  const caller = payload.callerName ? t('caller_named', { name: payload.callerName, number }) : number;
  const started = new Date(payload.startedAt);
  const when = Number.isNaN(started.getTime())
    ? payload.startedAt
    : new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short', timeZone: client.timezone }).format(started);
  const status = t(`status.${payload.status}`, { defaultValue: t('status.other', { status: payload.status }) });
  const paragraphs: string[] = [t('intro', { caller, business: client.name, when, to: payload.to, status })];
  if (payload.queueSeconds !== null) paragraphs.push(t('queued', { duration: duration(payload.queueSeconds) }));
  if (payload.urgent) paragraphs.push(t('urgent'));
  let quote: string | null = null;
  if (payload.followUp === 'message' && payload.message) {
    paragraphs.push(t('message'));
    quote = payload.message;
  } else if (payload.followUp === 'callback') paragraphs.push(t('callback', { number }));
  else paragraphs.push(t('none', { number }));
  const greeting = t('greeting', { name: owner.name });
  const signature = t('signature', { brand: brand.name });
  const text = [greeting, '', ...paragraphs.flatMap((p, i) => (quote !== null && i === paragraphs.length - 1 ? [p, `“${quote}”`, ''] : [p, ''])), signature].join('\n');
  const html = [
    `<p>${escape(greeting)}</p>`,
    ...paragraphs.map((p) => `<p>${escape(p)}</p>`),
    quote !== null ? `<blockquote>${escape(quote)}</blockquote>` : '',
    `<p>${escape(signature)}</p>`,
  ].join('');
  return {
    from: `${brand.name} <${brand.senderEmail}>`,
    replyTo: brand.supportEmail,
    to: [owner.email],
    subject: t(payload.urgent ? 'subject_urgent' : 'subject', { caller, business: client.name }),
    text,
    html,
  };
}

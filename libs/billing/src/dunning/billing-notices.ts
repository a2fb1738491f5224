import { type EntityManager } from '@mikro-orm/core';
import { isSupportedLocale } from '@tero/core';
import { BillingNotice, Brand, Client, type Database, User } from '@tero/db';
import type { EmailMessage, TenantContext } from '@tero/sdk';
import type { i18n as I18nInstance, TFunction } from 'i18next';
import type { Logger } from 'pino';

/** Sends an e-mail later (through a job): `MailService` from `@tero/notifications` is one. */
export interface BillingMailer {
  send(ctx: TenantContext, message: EmailMessage): Promise<string>;
}

/** Where a client's pages live, for links in e-mails. The kernel builds it from the tenant resolver's hosts. */
export interface BillingLinks {
  /** The client's dashboard origin, without a trailing slash: `https://dental.acme.example`. */
  clientUrl(brand: Brand, client: Client): string;
}

/** The client's billing page. */
export function billingPageUrl(links: BillingLinks, brand: Brand, client: Client): string {
  return `${links.clientUrl(brand, client)}/billing`;
}

/** An invoice's PDF, served by the lead's route on the client's host. */
export function invoicePdfUrl(links: BillingLinks, brand: Brand, client: Client, invoiceId: string): string {
  return `${links.clientUrl(brand, client)}/billing/invoices/${invoiceId}.pdf`;
}

/** What a notice e-mail says, written for one reader with the `billing` namespace in their language. */
export interface NoticeContent {
  subject: string;
  paragraphs: string[];
  action?: { label: string; url: string };
}

export interface NoticeReader {
  t: TFunction;
  locale: string;
  brand: Brand;
  client: Client;
  name: string;
}

export type NoticeWriter = (reader: NoticeReader) => NoticeContent;

export interface BillingNoticesOptions {
  links: BillingLinks;
  logger: Logger;
  clock?: () => Date;
}

/** Identifies one notice: at most one is ever sent per client, kind and key. */
export interface NoticeKey {
  clientId: string;
  /** `invoice`, `dunning_reminder`, `suspended`, `reactivated`, `quota_80`, `quota_100`, `refund`. */
  kind: string;
  key: string;
}

/**
 * Billing's e-mails to a client: invoices, dunning reminders, suspension and reactivation, quota warnings,
 * refunds. Each is sent once per (client, kind, key): the `billing_notices` row is claimed first (its
 * unique key makes a job run twice, or on two workers, claim once), then the e-mail is queued; a failure to
 * queue gives the claim back so that the next run sends it. A crash between the two loses that e-mail
 * rather than sending it twice. Recipients are the client's owners, each in their own language.
 */
export class BillingNotices {
  private readonly clock: () => Date;

  constructor(
    private readonly db: Database,
    private readonly mail: BillingMailer,
    private readonly i18n: I18nInstance,
    private readonly options: BillingNoticesOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  get links(): BillingLinks {
    return this.options.links;
  }

  /** Whether the notice was sent (claimed) already. */
  async sent(ctx: TenantContext, notice: NoticeKey): Promise<boolean> {
    return (await this.db.forTenant(ctx).count(BillingNotice, { client: notice.clientId, kind: notice.kind, key: notice.key })) > 0;
  }

  /**
   * Records the notice unless it was recorded before; true when this call recorded it. Also the marker
   * of things done once that e-mail nobody (an overage charge made).
   */
  async claim(ctx: TenantContext, notice: NoticeKey): Promise<boolean> {
    const em = this.db.forTenant(ctx);
    em.create(BillingNotice, { brand: ctx.brandId, client: notice.clientId, kind: notice.kind, key: notice.key.slice(0, 255), sentAt: this.clock() });
    try {
      await em.flush();
      return true;
    } catch (error) {
      if (this.db.isConstraintViolation(error)) return false;
      throw error;
    }
  }

  /** Gives a claim back (what it stood for did not happen). */
  async release(ctx: TenantContext, notice: NoticeKey): Promise<void> {
    await this.db.forTenant(ctx).nativeDelete(BillingNotice, { client: notice.clientId, kind: notice.kind, key: notice.key.slice(0, 255) });
  }

  /**
   * E-mails the notice to the client's owners unless it was sent before; true when this call sent it.
   * `write` is called once per recipient, with a translator in the recipient's language.
   */
  async sendOnce(ctx: TenantContext, notice: NoticeKey, write: NoticeWriter): Promise<boolean> {
    if (!(await this.claim(ctx, notice))) return false;
    try {
      const messages = await this.render(ctx, notice.clientId, write);
      if (messages.length === 0) {
        this.options.logger.warn({ brandId: ctx.brandId, clientId: notice.clientId, kind: notice.kind }, 'billing notice has no recipient: the client has no owner');
      }
      for (const message of messages) await this.mail.send({ ...ctx, clientId: notice.clientId }, message);
      return true;
    } catch (error) {
      await this.release(ctx, notice).catch((releaseError: unknown) =>
        this.options.logger.error({ err: releaseError, notice }, 'could not give back a billing notice claim'),
      );
      throw error;
    }
  }

  /** The messages of a notice, one per owner of the client, each in the owner's language. */
  async render(ctx: TenantContext, clientId: string, write: NoticeWriter): Promise<EmailMessage[]> {
    const em = this.db.forTenant(ctx);
    const [brand, client] = await Promise.all([em.findOneOrFail(Brand, { id: ctx.brandId }), em.findOneOrFail(Client, { id: clientId })]);
    const owners = await recipientsOf(em, clientId);
    return owners.map((user) => {
      const locale = [user.locale, client.locale, brand.defaultLocale].find(isSupportedLocale) ?? 'en';
      const t = this.i18n.getFixedT(locale, 'billing') as TFunction;
      const content = write({ t, locale, brand, client, name: user.name });
      return noticeEmail(t, brand, { email: user.email, name: user.name }, content);
    });
  }
}

/** The client's owners: who pays, and who is told about payments. */
export async function recipientsOf(em: EntityManager, clientId: string): Promise<User[]> {
  return em.find(User, { client: clientId, role: 'client_owner' }, { orderBy: { createdAt: 'asc' } });
}

const escape = (value: string) => value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A notice as plain text and simple HTML, from the brand's sender, replies to its support address. */
export function noticeEmail(t: TFunction, brand: Brand, to: { email: string; name: string }, content: NoticeContent): EmailMessage {
  const greeting = t('email.greeting', { name: to.name });
  const closing = [t('email.questions', { support: brand.supportEmail }), t('email.signature', { brand: brand.name })];
  const text = [greeting, '', ...content.paragraphs.flatMap((p) => [p, '']), ...(content.action ? [`${content.action.label}: ${content.action.url}`, ''] : []), ...closing].join('\n');
  const html = [
    `<p>${escape(greeting)}</p>`,
    ...content.paragraphs.map((p) => `<p>${escape(p)}</p>`),
    content.action ? `<p><a href="${escape(content.action.url)}">${escape(content.action.label)}</a></p>` : '',
    ...closing.map((p) => `<p>${escape(p)}</p>`),
  ].join('');
  return { from: `${brand.name} <${brand.senderEmail}>`, replyTo: brand.supportEmail, to: [to.email], subject: content.subject, text, html };
}

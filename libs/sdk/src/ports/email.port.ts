import type { TenantContext } from '../context';
import { definePort } from '../port';

/** One e-mail, already rendered. */
export interface EmailMessage {
  /** `"Name <address>"` or a bare address. */
  from: string;
  to: string[];
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra headers such as `List-Unsubscribe`. */
  headers?: Record<string, string>;
  /**
   * Short values the vendor should echo back in its events about this message (SendGrid's `custom_args`),
   * such as our own message id for open and click tracking. Transports without events ignore them.
   */
  metadata?: Record<string, string>;
  /**
   * Files sent with the message (a report's PDF). Optional: the port stays at version 1, and a transport
   * written before attachments existed sends the message without them.
   */
  attachments?: EmailAttachment[];
}

/** A file attached to an e-mail. Its bytes are base64 text, since a message travels through the job queue as JSON. */
export interface EmailAttachment {
  /** The name the reader sees: `report-2026-W47.pdf`. */
  filename: string;
  contentType: string;
  contentBase64: string;
}

/** What the transport accepted. */
export interface EmailReceipt {
  /** The Message-ID the transport assigned, for correlating bounces and logs. */
  messageId: string;
  /** Recipients the transport accepted. */
  accepted: string[];
  /** Recipients the transport refused. A send where every recipient is refused throws instead. */
  rejected: string[];
}

/** Kinds of vendor events the platform acts on; a vendor's other kinds are passed through as they are named. */
export type EmailEventType = 'processed' | 'delivered' | 'deferred' | 'open' | 'click' | 'bounce' | 'dropped' | 'spamreport' | 'unsubscribe';

/** One thing a vendor tells us happened to a message we sent, from its event webhook. */
export interface EmailEvent {
  /** The vendor's id of the event, the same on every retry of its delivery (SendGrid's `sg_event_id`). */
  id: string;
  type: EmailEventType | (string & {});
  /** The recipient concerned. */
  email: string;
  at: Date;
  /** The link clicked (`click`). */
  url?: string;
  /** The vendor's id of the message. */
  vendorMessageId?: string;
  /** What the message's `metadata` held, echoed back by the vendor. */
  metadata: Record<string, string>;
}

/** A vendor's webhook request as it arrived: header names in lower case, the exact bytes of the body. */
export interface EmailWebhookRequest {
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

/**
 * Sends e-mail. Throws `TeroError` with code `email.rejected` when the server refuses the message,
 * and `email.unavailable` (retryable) when it cannot be reached.
 */
export interface EmailTransport {
  send(ctx: TenantContext, message: EmailMessage): Promise<EmailReceipt>;
  /** Checks the transport can deliver (connects and authenticates); used by the readiness probe and the admin UI. */
  verify(ctx: TenantContext): Promise<void>;
  /**
   * Optional (the port stays at version 1): verifies a request of the vendor's event webhook for the tenant
   * and returns its events. Throws `TeroError` `email.webhook_unverified` with status 401 when the signature
   * does not verify (tampered, too old, another key) and `email.webhook_invalid` (400) for a body it cannot
   * read; it stores nothing itself.
   */
  parseEvents?(ctx: TenantContext, request: EmailWebhookRequest): Promise<EmailEvent[]>;
}

/** Port token for e-mail transports: `registry.get(EMAIL, ctx, 'email-smtp')`. */
export const EMAIL = definePort<EmailTransport>('email', 1);

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

/**
 * Sends e-mail. Throws `TeroError` with code `email.rejected` when the server refuses the message,
 * and `email.unavailable` (retryable) when it cannot be reached.
 */
export interface EmailTransport {
  send(ctx: TenantContext, message: EmailMessage): Promise<EmailReceipt>;
  /** Checks the transport can deliver (connects and authenticates); used by the readiness probe and the admin UI. */
  verify(ctx: TenantContext): Promise<void>;
}

/** Port token for e-mail transports: `registry.get(EMAIL, ctx, 'email-smtp')`. */
export const EMAIL = definePort<EmailTransport>('email', 1);

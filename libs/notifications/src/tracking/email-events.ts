import { randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { type Database, EmailProviderEvent } from '@tero/db';
import type { EmailEvent } from '@tero/sdk';
import { ALL_CATEGORIES, type EmailTracking } from './email-tracking.service';

/** Stops mail to an address (the sequence engine's `unsubscribe`, which also ends its enrollments). */
export type Suppress = (brandId: string, email: string, category: string, source: string) => Promise<unknown>;

/** What one webhook delivery changed. */
export interface EmailEventsSummary {
  received: number;
  duplicates: number;
  tracked: number;
  suppressed: number;
}

/** Vendor events that mean "send this address nothing more that is not transactional". */
const SUPPRESSING = new Set(['bounce', 'spamreport', 'unsubscribe']);

/**
 * Applies an e-mail vendor's verified events: each taken once by its id (a retried delivery changes
 * nothing), opens and clicks of our messages into tracking, bounces, spam reports and unsubscribes into
 * the brand's suppressions.
 */
export class EmailEvents {
  constructor(
    private readonly db: Database,
    private readonly tracking: EmailTracking,
    private readonly suppress: Suppress,
  ) {}

  async apply(brandId: string, provider: string, events: EmailEvent[]): Promise<EmailEventsSummary> {
    const summary: EmailEventsSummary = { received: events.length, duplicates: 0, tracked: 0, suppressed: 0 };
    const em = this.db.forTenant({ brandId, clientId: null, locale: 'en' }) as unknown as SqlEntityManager;
    for (const event of events) {
      const now = new Date();
      const inserted = await em
        .createQueryBuilder(EmailProviderEvent)
        .insert({ id: randomUUID(), createdAt: now, updatedAt: now, brand: brandId, provider, eventId: event.id.slice(0, 120), kind: event.type.slice(0, 30), receivedAt: now } as never)
        .onConflict(['brand', 'provider', 'eventId'] as never)
        .ignore()
        .execute('run');
      if (Number((inserted as { affectedRows?: number }).affectedRows ?? 0) !== 1) {
        summary.duplicates++;
        continue;
      }
      const messageId = event.metadata.tero_message_id;
      // Only messages of this brand: the metadata travels through the vendor, so its brand is checked.
      const ours = messageId && (!event.metadata.tero_brand_id || event.metadata.tero_brand_id === brandId);
      if ((event.type === 'open' || event.type === 'click') && ours) {
        const clientId = event.metadata.tero_client_id || null;
        await this.tracking.record(brandId, clientId, { messageId, kind: event.type === 'open' ? 'open' : 'click', url: event.url, at: event.at });
        summary.tracked++;
      } else if (SUPPRESSING.has(event.type) && event.email) {
        await this.suppress(brandId, event.email, ALL_CATEGORIES, `${provider}:${event.type}`);
        summary.suppressed++;
      }
    }
    return summary;
  }
}

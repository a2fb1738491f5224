import { createHash, randomUUID } from 'node:crypto';
import { raw } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { type Database, EmailTrackingEvent, EmailUnsubscribe, type TrackingKind } from '@tero/db';
import type { TenantContext } from '@tero/sdk';

/** What a message's reader did, from our pixel and links or from the vendor's events. */
export interface TrackingFact {
  messageId: string;
  kind: TrackingKind;
  /** The link clicked (clicks only). */
  url?: string;
  at: Date;
}

/** The category meaning every non-transactional one: what a bounce or a spam report suppresses. */
export const ALL_CATEGORIES = 'all';

const tenant = (brandId: string, clientId: string | null): TenantContext => ({ brandId, clientId, locale: 'en' });

/**
 * Opens, clicks and unsubscribes, stored idempotently: one row per (message, kind, link) whose count and
 * last time move on, and one unsubscribe per (brand, address, category) however often it is asked.
 */
export class EmailTracking {
  constructor(private readonly db: Database) {}

  /** Records an open or a click; true when it was the first of its kind for that message (and link). */
  async record(brandId: string, clientId: string | null, fact: TrackingFact): Promise<boolean> {
    const em = this.db.forTenant(tenant(brandId, clientId)) as unknown as SqlEntityManager;
    const url = fact.kind === 'click' ? (fact.url ?? '') : '';
    const urlKey = createHash('sha256').update(url).digest('hex');
    const inserted = await em
      .createQueryBuilder(EmailTrackingEvent)
      .insert({ id: randomUUID(), createdAt: fact.at, updatedAt: fact.at, brand: brandId, client: clientId, messageId: fact.messageId, kind: fact.kind, url, urlKey, firstAt: fact.at, lastAt: fact.at, count: 1 } as never)
      .onConflict(['messageId', 'kind', 'urlKey'] as never)
      .ignore()
      .execute('run');
    if (Number((inserted as { affectedRows?: number }).affectedRows ?? 0) === 1) return true;
    await em
      .createQueryBuilder(EmailTrackingEvent)
      .update({ count: raw('count + 1'), lastAt: fact.at, updatedAt: fact.at } as never)
      .where({ messageId: fact.messageId, kind: fact.kind, urlKey, brand: brandId })
      .execute('run');
    return false;
  }

  /** What was recorded for a message (the brand's own view). */
  async eventsOf(brandId: string, messageId: string): Promise<EmailTrackingEvent[]> {
    return this.db.forTenant(tenant(brandId, null)).find(EmailTrackingEvent, { messageId }, { orderBy: { firstAt: 'asc', kind: 'asc' } });
  }

  /** Stops a category of the brand's mail to an address; true when it was not stopped before. */
  async unsubscribe(brandId: string, email: string, category: string, source: string, at: Date): Promise<boolean> {
    const em = this.db.forTenant(tenant(brandId, null)) as unknown as SqlEntityManager;
    const inserted = await em
      .createQueryBuilder(EmailUnsubscribe)
      .insert({ id: randomUUID(), createdAt: at, updatedAt: at, brand: brandId, email: email.trim().toLowerCase(), category, source: source.slice(0, 60), at } as never)
      .onConflict(['brand', 'email', 'category'] as never)
      .ignore()
      .execute('run');
    return Number((inserted as { affectedRows?: number }).affectedRows ?? 0) === 1;
  }

  /** Whether mail of `category` may not go to `email` (unsubscribed from it, or suppressed altogether). */
  async isUnsubscribed(brandId: string, email: string, category: string): Promise<boolean> {
    const count = await this.db.forTenant(tenant(brandId, null)).count(EmailUnsubscribe, { email: email.trim().toLowerCase(), category: { $in: [category, ALL_CATEGORIES] } });
    return count > 0;
  }
}

import 'reflect-metadata';
import { Brand, Client, EmailProviderEvent, EmailTrackingEvent, EmailUnsubscribe } from '@tero/db';
import type { EmailEvent } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { EmailEvents } from './email-events';
import { EmailTracking } from './email-tracking.service';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;

describe.each(kinds)('EmailEvents on %s', (kind) => {
  let t: TestDatabase;
  let brandId: string;
  let otherBrandId: string;
  let clientId: string;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const em = t.db.forInstance('test seed');
    const brand = em.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    const other = em.create(Brand, { name: 'B', slug: 'b', supportEmail: 's@b.test', senderEmail: 'n@b.test' });
    const client = em.create(Client, { brand, name: 'A1', slug: 'a1', professionPack: 'dentist' });
    await em.flush();
    [brandId, otherBrandId, clientId] = [brand.id, other.id, client.id];
  }, 60_000);
  afterAll(() => t.drop());

  const at = new Date('2026-12-01T10:00:00.000Z');
  const meta = () => ({ tero_message_id: 'msg-1', tero_brand_id: brandId, tero_client_id: clientId });
  const events = (): EmailEvent[] => [
    { id: 'ev-open', type: 'open', email: 'ana@a.test', at, metadata: meta() },
    { id: 'ev-click', type: 'click', email: 'ana@a.test', at, url: 'https://x.test/setup', metadata: meta() },
    { id: 'ev-bounce', type: 'bounce', email: 'Gone@a.test', at, metadata: {} },
    { id: 'ev-delivered', type: 'delivered', email: 'ana@a.test', at, metadata: meta() },
    { id: 'ev-foreign', type: 'open', email: 'ana@a.test', at, metadata: { ...meta(), tero_message_id: 'msg-2', tero_brand_id: otherBrandId } },
  ];

  it('applies each event once (a redelivered batch changes nothing), tracks opens and clicks, suppresses bounces', async () => {
    const suppressed: string[] = [];
    const tracking = new EmailTracking(t.db);
    const ingest = new EmailEvents(t.db, tracking, async (brand, email, category, source) => {
      suppressed.push(`${email}:${category}:${source}`);
      await tracking.unsubscribe(brand, email, category, source, at);
    });

    expect(await ingest.apply(brandId, 'email-sendgrid', events())).toEqual({ received: 5, duplicates: 0, tracked: 2, suppressed: 1 });
    expect(await ingest.apply(brandId, 'email-sendgrid', events())).toEqual({ received: 5, duplicates: 5, tracked: 0, suppressed: 0 });

    const em = t.db.forInstance('test read');
    expect((await em.find(EmailTrackingEvent, {}, { orderBy: { kind: 'asc' } })).map((e) => [e.messageId, e.kind, e.url, e.count, e.client?.id])).toEqual([
      ['msg-1', 'click', 'https://x.test/setup', 1, clientId],
      ['msg-1', 'open', '', 1, clientId],
    ]);
    expect(suppressed).toEqual(['Gone@a.test:all:email-sendgrid:bounce']);
    expect((await em.find(EmailUnsubscribe, {})).map((u) => [u.email, u.category])).toEqual([['gone@a.test', 'all']]);
    expect(await tracking.isUnsubscribed(brandId, 'gone@a.test', 'marketing')).toBe(true);
    expect(await tracking.isUnsubscribed(otherBrandId, 'gone@a.test', 'marketing')).toBe(false);
    expect(await em.count(EmailProviderEvent, { brand: brandId })).toBe(5);
  });
});

import { AgentProfile, Brand, Client, type Database, type ProfileService } from '@tero/db';
import type { TenantContext } from '@tero/sdk';

/** Test support: a brand with businesses whose calendars the ledger specs book into. */

/** A 60-minute service with a 15-minute buffer (quarter-hour grid), a 10-minute one (5-minute grid), and one that cannot be booked. */
export const SERVICES: ProfileService[] = [
  { id: 'cleaning', name: { en: 'Cleaning', es: 'Limpieza', fr: 'Détartrage' }, durationMinutes: 60, bufferMinutes: 15, priceMinor: 12000, bookable: true },
  { id: 'quick', name: { en: 'Quick check' }, durationMinutes: 10, bufferMinutes: 0, priceMinor: 3000, bookable: true },
  { id: 'surgery', name: { en: 'Surgery' }, durationMinutes: 120, bufferMinutes: 0, priceMinor: 90000, bookable: false },
];

/** Monday to Friday 9 to 5, Saturday 10 to 2, closed on Sunday. */
export const WEEK_HOURS: Record<string, [string, string][]> = {
  mon: [['09:00', '17:00']],
  tue: [['09:00', '17:00']],
  wed: [['09:00', '17:00']],
  thu: [['09:00', '17:00']],
  fri: [['09:00', '17:00']],
  sat: [['10:00', '14:00']],
  sun: [],
};

let sequence = 0;

/** Creates a brand (when not given) and a client in New York with an agent profile; returns the client's context. */
export async function seedBusiness(
  db: Database,
  options: { capacity?: number; exceptions?: AgentProfile['exceptions']; brand?: Brand; currency?: string } = {},
): Promise<{ ctx: TenantContext; brand: Brand; client: Client }> {
  const em = db.forInstance('booking test seed');
  const n = ++sequence;
  const brand =
    options.brand ?? em.create(Brand, { name: `Brand ${n}`, slug: `brand-${n}`, supportEmail: 's@b.test', senderEmail: 'n@b.test', currency: options.currency ?? 'USD' });
  const client = em.create(Client, { brand, name: `Dental ${n}`, slug: `dental-${n}`, professionPack: 'dentist', timezone: 'America/New_York' });
  em.create(AgentProfile, {
    brand,
    client,
    hours: WEEK_HOURS,
    exceptions: options.exceptions ?? [],
    services: SERVICES,
    faq: [],
    capacity: options.capacity ?? 1,
    policies: { afterHours: 'ai', holiday: 'ai', suspended: 'voicemail', quotaExceeded: 'voicemail', emergency: 'transfer' },
  });
  await em.flush();
  return { ctx: { brandId: brand.id, clientId: client.id, locale: 'en' }, brand, client };
}

/** A clock tests move by hand. */
export class TestClock {
  constructor(private current: Date) {}
  readonly now = (): Date => new Date(this.current);
  set(instant: string | Date): void {
    this.current = new Date(instant);
  }
  advanceSeconds(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

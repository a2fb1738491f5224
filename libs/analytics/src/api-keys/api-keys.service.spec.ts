import 'reflect-metadata';
import { MemoryRateLimiter } from '@tero/core';
import { ApiKey, Brand, Client } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { ApiKeys, MAX_ACTIVE_KEYS } from './api-keys.service';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const OWNER = { userId: null, name: 'Olga Owner' };

let sequence = 0;
async function seedClient(t: TestDatabase): Promise<TenantContext> {
  const em = t.db.forInstance('api key spec seed');
  const n = ++sequence;
  const brand = em.create(Brand, { name: `Brand ${n}`, slug: `keys-brand-${n}`, supportEmail: 's@b.test', senderEmail: 'n@b.test' });
  const client = em.create(Client, { brand, name: `Dental ${n}`, slug: `keys-dental-${n}`, professionPack: 'dentist' });
  await em.flush();
  return { brandId: brand.id, clientId: client.id, locale: 'en' };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TeroError) return `${error.options.status} ${error.code}`;
    throw error;
  }
  throw new Error('not refused');
}

describe.each(kinds)('API keys on %s', (kind) => {
  let t: TestDatabase;
  let now: Date;
  let keys: ApiKeys;
  let limiter: MemoryRateLimiter;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t.drop());
  beforeEach(() => {
    now = new Date('2026-11-24T10:00:00Z');
    limiter = new MemoryRateLimiter(() => now.getTime());
    keys = new ApiKeys(t.db, limiter, { clock: () => now });
  });

  it('makes a key whose whole text exists only in the answer, and authenticates it to its client', async () => {
    const ctx = await seedClient(t);
    const made = await keys.create(ctx, OWNER, { name: ' Zapier ', scopes: ['messages:read', 'calls:read'], rateLimitPerMinute: '120' });
    expect(made.apiKey).toMatchObject({ name: 'Zapier', scopes: ['calls:read', 'messages:read'], rateLimitPerMinute: 120, createdByName: 'Olga Owner', lastUsedAt: null, revokedAt: null });
    const row = await t.db.forTenant(ctx).findOneOrFail(ApiKey, { id: made.apiKey.id });
    expect(made.key.startsWith(`${row.prefix}_`)).toBe(true);
    expect(row.secretHash).not.toContain(made.key.slice(row.prefix.length + 1));
    const principal = await keys.authenticate(`Bearer ${made.key}`);
    expect(principal).toMatchObject({ keyId: row.id, brandId: ctx.brandId, clientId: ctx.clientId, scopes: ['calls:read', 'messages:read'], rateLimitPerMinute: 120 });
    expect((await keys.list(ctx))[0]!.lastUsedAt).toEqual(now);
  });

  it('refreshes the last use at most once a minute', async () => {
    const ctx = await seedClient(t);
    const { key, apiKey } = await keys.create(ctx, OWNER, { name: 'Sync', scopes: ['calls:read'] });
    await keys.authenticate(`Bearer ${key}`);
    const first = now;
    now = new Date(first.getTime() + 30_000);
    await keys.authenticate(`Bearer ${key}`);
    expect((await keys.list(ctx)).find((k) => k.id === apiKey.id)!.lastUsedAt).toEqual(first);
    now = new Date(first.getTime() + 61_000);
    await keys.authenticate(`Bearer ${key}`);
    expect((await keys.list(ctx)).find((k) => k.id === apiKey.id)!.lastUsedAt).toEqual(now);
  });

  it('refuses bad input naming the fields, and makes nothing', async () => {
    const ctx = await seedClient(t);
    for (const input of [{ name: '', scopes: ['calls:read'] }, { name: 'x', scopes: [] }, { name: 'x', scopes: ['calls:write'] }, { name: 'x', scopes: ['calls:read'], rateLimitPerMinute: 0 }, { name: 'x', scopes: ['calls:read'], extra: 1 }]) {
      expect(await codeOf(keys.create(ctx, OWNER, input))).toBe('400 validation.failed');
    }
    expect(await codeOf(keys.create({ ...ctx, clientId: null }, OWNER, { name: 'x', scopes: ['calls:read'] }))).toBe('400 validation.failed');
    expect(await keys.list(ctx)).toEqual([]);
  });

  it('refuses a revoked key as revoked, and unknown or wrong keys alike as invalid', async () => {
    const ctx = await seedClient(t);
    const { key, apiKey } = await keys.create(ctx, OWNER, { name: 'Old', scopes: ['calls:read'] });
    const wrongSecret = `${apiKey.prefix}_${'A'.repeat(43)}`;
    expect(await codeOf(keys.authenticate(`Bearer ${wrongSecret}`))).toBe('401 analytics.api_key_invalid');
    expect(await codeOf(keys.authenticate(`Bearer tero_live_00000000_${'A'.repeat(43)}`))).toBe('401 analytics.api_key_invalid');
    expect(await codeOf(keys.authenticate(undefined))).toBe('401 analytics.api_key_missing');
    expect(await codeOf(keys.authenticate('Basic abc'))).toBe('401 analytics.api_key_missing');
    expect(await codeOf(keys.authenticate('Bearer eyJhbGciOi.payload.sig'))).toBe('401 analytics.api_key_missing');
    const revoked = await keys.revoke(ctx, apiKey.id);
    expect(revoked.revokedAt).toEqual(now);
    expect(await codeOf(keys.authenticate(`Bearer ${key}`))).toBe('401 analytics.api_key_revoked');
    // The wrong secret of a revoked key says nothing about the revocation.
    expect(await codeOf(keys.authenticate(`Bearer ${wrongSecret}`))).toBe('401 analytics.api_key_invalid');
    now = new Date(now.getTime() + 5_000);
    expect((await keys.revoke(ctx, apiKey.id)).revokedAt).toEqual(revoked.revokedAt);
  });

  it('never lets one client see or revoke another client\'s keys', async () => {
    const a = await seedClient(t);
    const b = await seedClient(t);
    const { apiKey } = await keys.create(a, OWNER, { name: 'A', scopes: ['calls:read'] });
    expect(await keys.list(b)).toEqual([]);
    expect(await codeOf(keys.revoke(b, apiKey.id))).toBe('404 analytics.api_key_not_found');
    expect(await codeOf(keys.revoke(b, 'not-a-uuid'))).toBe('404 analytics.api_key_not_found');
    expect((await keys.list(a))[0]!.revokedAt).toBeNull();
  });

  it(`holds at most ${MAX_ACTIVE_KEYS} active keys; a revoked one frees its place`, async () => {
    const ctx = await seedClient(t);
    const made = [];
    for (let i = 0; i < MAX_ACTIVE_KEYS; i++) made.push(await keys.create(ctx, OWNER, { name: `k${i}`, scopes: ['calls:read'] }));
    expect(await codeOf(keys.create(ctx, OWNER, { name: 'one more', scopes: ['calls:read'] }))).toBe('409 analytics.api_too_many_keys');
    await keys.revoke(ctx, made[0]!.apiKey.id);
    await keys.create(ctx, OWNER, { name: 'one more', scopes: ['calls:read'] });
  });

  it('names the missing scope, and counts requests per key per minute', async () => {
    const ctx = await seedClient(t);
    const { key } = await keys.create(ctx, OWNER, { name: 'Slow', scopes: ['calls:read'], rateLimitPerMinute: 2 });
    const principal = await keys.authenticate(`Bearer ${key}`);
    expect(() => keys.requireScope(principal, 'bookings:read')).toThrow(expect.objectContaining({ code: 'analytics.api_scope_missing', params: { scope: 'bookings:read' } }));
    expect(await keys.admit(principal)).toEqual({ limit: 2, remaining: 1, resetSeconds: 60 });
    now = new Date(now.getTime() + 20_000);
    expect(await keys.admit(principal)).toEqual({ limit: 2, remaining: 0, resetSeconds: 40 });
    const windows: unknown[] = [];
    expect(await codeOf(keys.admit(principal, (w) => windows.push(w)))).toBe('429 analytics.api_rate_limited');
    expect(windows).toEqual([{ limit: 2, remaining: 0, resetSeconds: 40 }]);
    now = new Date(now.getTime() + 40_000);
    expect((await keys.admit(principal)).remaining).toBe(1);
  });
});

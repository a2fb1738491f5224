import { ValidationError, parseInput } from '@tero/accounts';
import type { RateLimiter } from '@tero/core';
import { API_KEY_SCOPES, ApiKey, type ApiKeyScope, type Database } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { z } from 'zod';
import { API_KEY_PREFIX, hashSecret, newApiKey, parseApiKey, secretMatches } from './api-key-secret';
import { keyInvalid, keyMissing, keyNotFound, keyRevoked, rateLimited, scopeMissing, tooManyKeys } from './api-keys.errors';

/** Active keys a client may hold: enough for each integration its own, few enough to review on one page. */
export const MAX_ACTIVE_KEYS = 20;
/** The limit a key gets when its owner picks none, and the most it may be given. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 60;
export const MAX_RATE_LIMIT_PER_MINUTE = 6000;
/** How stale `lastUsedAt` may get: refreshing it on every request would write on every read. */
const LAST_USED_GRANULARITY_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const createSchema = z
  .object({
    name: z.string().trim().min(1, 'give the key a name').max(80),
    scopes: z.array(z.enum(API_KEY_SCOPES)).min(1, 'pick at least one scope'),
    rateLimitPerMinute: z.coerce.number().int().min(1).max(MAX_RATE_LIMIT_PER_MINUTE).default(DEFAULT_RATE_LIMIT_PER_MINUTE),
  })
  .strict();

/** What the owner asks for when making a key. */
export type ApiKeyInput = z.input<typeof createSchema>;

/** A key as lists show it: never its secret. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  rateLimitPerMinute: number;
  createdAt: Date;
  createdByName: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Who a request with a valid key acts for, and what it may do. */
export interface ApiKeyPrincipal {
  keyId: string;
  prefix: string;
  brandId: string;
  clientId: string;
  scopes: ApiKeyScope[];
  rateLimitPerMinute: number;
}

/** The key's window after a request was let through, for the `RateLimit-*` headers. */
export interface ApiRateWindow {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

const view = (key: ApiKey): ApiKeyView => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  scopes: [...key.scopes],
  rateLimitPerMinute: key.rateLimitPerMinute,
  createdAt: key.createdAt,
  createdByName: key.createdByName ?? null,
  lastUsedAt: key.lastUsedAt ?? null,
  revokedAt: key.revokedAt ?? null,
});

/**
 * A client's API keys: made by its owner (the whole key is returned once and never stored), listed,
 * revoked; and, on every API request, the bearer key checked (prefix look-up, constant-time hash
 * comparison, revocation), its scope required and its per-minute limit counted on the instance's rate
 * limiter (Redis when configured, so every replica counts the same requests).
 */
export class ApiKeys {
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    private readonly limiter: RateLimiter,
    options: { clock?: () => Date } = {},
  ) {
    this.now = options.clock ?? (() => new Date());
  }

  /** Makes a key for the context's client. `key` is the only time the whole key exists outside the caller's hands. */
  async create(ctx: TenantContext, by: { userId: string | null; name: string | null }, input: unknown): Promise<{ key: string; apiKey: ApiKeyView }> {
    const clientId = this.clientOf(ctx);
    const wanted = parseInput(createSchema, input);
    const em = this.db.forTenant(ctx);
    const active = await em.count(ApiKey, { revokedAt: null });
    if (active >= MAX_ACTIVE_KEYS) throw tooManyKeys(MAX_ACTIVE_KEYS);
    // A prefix is 32 random bits: a clash is rare, and the unique index turns it into one more try.
    for (let attempt = 0; ; attempt++) {
      const made = newApiKey();
      const row = em.create(ApiKey, {
        brand: ctx.brandId,
        client: clientId,
        name: wanted.name,
        prefix: made.prefix,
        secretHash: hashSecret(made.secret),
        scopes: API_KEY_SCOPES.filter((s) => wanted.scopes.includes(s)),
        rateLimitPerMinute: wanted.rateLimitPerMinute,
        createdById: by.userId,
        createdByName: by.name?.slice(0, 120) ?? null,
        createdAt: this.now(),
      });
      try {
        await em.flush();
        return { key: made.key, apiKey: view(row) };
      } catch (error) {
        em.clear();
        if (attempt >= 2 || !this.db.isConstraintViolation(error)) throw error;
      }
    }
  }

  /** The client's keys, newest first, revoked ones included (they say when). */
  async list(ctx: TenantContext): Promise<ApiKeyView[]> {
    this.clientOf(ctx);
    const rows = await this.db.forTenant(ctx).find(ApiKey, {}, { orderBy: { createdAt: 'desc', id: 'desc' } });
    return rows.map(view);
  }

  /** Revokes a key of the context's client: its next request is refused. Revoking twice changes nothing. */
  async revoke(ctx: TenantContext, id: string): Promise<ApiKeyView> {
    this.clientOf(ctx);
    if (!UUID.test(id)) throw keyNotFound();
    const em = this.db.forTenant(ctx);
    const row = await em.findOne(ApiKey, { id });
    if (!row) throw keyNotFound();
    if (!row.revokedAt) {
      row.revokedAt = this.now();
      await em.flush();
    }
    return view(row);
  }

  /**
   * The key in an `Authorization` header → who it acts for. Unknown and wrong keys are one answer (401
   * invalid); a revoked key says so, but only once its secret matched.
   */
  async authenticate(authorization: string | undefined): Promise<ApiKeyPrincipal> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw keyMissing();
    // A session token or another vendor's key: say what this API takes rather than "invalid".
    if (!match[1]!.startsWith(API_KEY_PREFIX)) throw keyMissing();
    const parts = parseApiKey(match[1]!);
    if (!parts) throw keyInvalid();
    const em = this.db.forInstance('an API key is found by its prefix before its tenant is known');
    const row = await em.findOne(ApiKey, { prefix: parts.prefix });
    if (!row || !secretMatches(parts.secret, row.secretHash)) throw keyInvalid();
    if (row.revokedAt) throw keyRevoked(row.prefix);
    const now = this.now();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_GRANULARITY_MS) {
      await em.nativeUpdate(ApiKey, { id: row.id }, { lastUsedAt: now });
    }
    return { keyId: row.id, prefix: row.prefix, brandId: row.brand.id, clientId: row.client.id, scopes: [...row.scopes], rateLimitPerMinute: row.rateLimitPerMinute };
  }

  /** 403 naming the scope when the key was not given it. */
  requireScope(principal: ApiKeyPrincipal, scope: ApiKeyScope): void {
    if (!principal.scopes.includes(scope)) throw scopeMissing(scope);
  }

  /**
   * Counts one request against the key's limit (a fixed one-minute window). Over it: 429 with the
   * seconds until the window resets; `onWindow` still hears the window, so the refusal carries its headers.
   */
  async admit(principal: ApiKeyPrincipal, onWindow: (window: ApiRateWindow) => void = () => undefined): Promise<ApiRateWindow> {
    const limit = principal.rateLimitPerMinute;
    const hit = await this.limiter.hit(`api-key:${principal.keyId}`, limit, 60);
    const window = { limit, remaining: Math.max(0, limit - hit.count), resetSeconds: Math.max(1, hit.retryAfterSeconds) };
    onWindow(window);
    if (!hit.allowed) throw rateLimited(limit, window.resetSeconds);
    return window;
  }

  /** The tenant context of a request made with a key: the key's client, no user. */
  contextOf(principal: ApiKeyPrincipal, request: { locale: string; requestId?: string }): TenantContext {
    return { brandId: principal.brandId, clientId: principal.clientId, userId: null, locale: request.locale, requestId: request.requestId };
  }

  private clientOf(ctx: TenantContext): string {
    if (!ctx.clientId) throw new ValidationError([{ field: 'clientId', reason: 'API keys belong to a client: open this on the client\'s address' }]);
    return ctx.clientId;
  }
}

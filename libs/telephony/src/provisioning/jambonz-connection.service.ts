import { ValidationError, parseInput } from '@tero/accounts';
import type { Keyring } from '@tero/core';
import { Brand, type Database, JambonzAccount, JambonzConnection, type JambonzConnectionStatus } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import { z } from 'zod';
import { jambonzSecretsAad } from '../call-directory';
import { JambonzApiClient } from '../jambonz-api/jambonz-api.client';
import { JambonzApiError } from '../jambonz-api/jambonz-api.errors';
import type { JambonzAccountsService } from '../jambonz-accounts.service';

/** AAD of a connection's API key: the ciphertext is bound to its brand. */
export const jambonzApiKeyAad = (brandId: string): string => `jambonz-api-key:${brandId}`;

const sid = z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');

const connectionSchema = z
  .object({
    /** The api-server's address, without `/v1` (a pasted `/v1` is dropped). */
    baseUrl: z
      .string()
      .trim()
      .max(300, 'must be at most 300 characters')
      .refine((value) => {
        try {
          return ['http:', 'https:'].includes(new URL(value).protocol);
        } catch {
          return false;
        }
      }, 'must be an http(s) URL such as https://jambonz.example.com'),
    accountSid: sid,
    /** Absent when changing an existing connection: the saved key is kept. */
    apiKey: z.string().trim().min(8, 'must be at least 8 characters').max(200, 'must be at most 200 characters').optional(),
    /** The carrier numbers are created on when they name none. */
    carrierSid: sid.nullish(),
  })
  .strict();

/** A brand's connection as the admin sees it: never the API key. */
export interface JambonzConnectionView {
  baseUrl: string;
  accountSid: string;
  carrierSid: string | null;
  applicationSid: string | null;
  status: JambonzConnectionStatus;
  lastError: string | null;
  attempts: number;
  nextAttemptAt: Date | null;
  lastSyncedAt: Date | null;
  secretRotatedAt: Date | null;
  /** Always true: a connection cannot be saved without a key. Says a key is set, never shows it. */
  apiKeySet: true;
}

/** What a connection test found in jambonz. */
export interface JambonzConnectionTest {
  account: { sid: string; name: string; active: boolean };
  /** The carriers the key may put numbers on, with their gateways. */
  carriers: Array<{
    sid: string;
    name: string;
    active: boolean;
    /** False: the service provider's carrier, shared by its accounts. */
    ownedByAccount: boolean;
    gateways: Array<{ address: string; port: number | null; inbound: boolean; outbound: boolean }>;
  }>;
  /** The chosen default carrier, when one is set and found. */
  carrier: { sid: string; name: string } | null;
}

export interface JambonzConnectionServiceOptions {
  /** Per request to jambonz. */
  timeoutMs?: number;
  /** Tests: the fetch the API clients use. */
  fetch?: typeof fetch;
  /** A connection was saved: the composition root asks for a reconciler pass. */
  onChange?: (ctx: TenantContext) => void;
}

interface Settings {
  baseUrl: string;
  accountSid: string;
  apiKey: string;
  carrierSid: string | null;
}

/** The part before `/v1`, without trailing slashes: what `JambonzConnection.baseUrl` keeps. */
export function jambonzServerRoot(baseUrl: string): string {
  return baseUrl.trim().replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** A connection is the brand's: a client's own context may not read or change it. */
function requireBrandScope(ctx: TenantContext): void {
  if (ctx.clientId) throw new TeroError('auth.forbidden', 'the jambonz connection is managed by the brand', { need: 'brand admin' }, { status: 403 });
}

export function jambonzNotConnected(brandId: string): TeroError {
  return new TeroError('jambonz.not_connected', `brand ${brandId} has no jambonz connection`, {}, { status: 409 });
}

/**
 * A brand's jambonz connection: where its api-server is, the account our application lives in, the API
 * key (encrypted, bound to the brand, never returned) and the default carrier. Saving one checks it
 * against jambonz first (the key, the account, the carrier) and registers the account's webhook secret,
 * fetched from jambonz, so that its hooks verify from the first call.
 */
export class JambonzConnectionService {
  constructor(
    private readonly db: Database,
    private readonly keyring: Keyring,
    private readonly accounts: JambonzAccountsService,
    private readonly options: JambonzConnectionServiceOptions = {},
  ) {}

  async get(ctx: TenantContext): Promise<JambonzConnectionView | null> {
    requireBrandScope(ctx);
    const connection = await this.db.forTenant(ctx).findOne(JambonzConnection, { brand: ctx.brandId });
    return connection ? viewOf(connection) : null;
  }

  /**
   * Creates or changes the brand's connection after checking it against jambonz; bad input, a key
   * jambonz refuses, an account it does not show, or a carrier it does not have is a ValidationError
   * naming the field, and nothing is saved.
   */
  async set(ctx: TenantContext, input: unknown): Promise<JambonzConnectionView> {
    requireBrandScope(ctx);
    const em = this.db.forTenant(ctx);
    const existing = await em.findOne(JambonzConnection, { brand: ctx.brandId });
    const settings = this.settingsFrom(parseInput(connectionSchema, input), existing);
    await this.refuseTakenAccount(ctx, settings.accountSid);
    const { secret } = await this.probe(settings);

    const connection =
      existing ??
      em.create(JambonzConnection, {
        brand: em.getReference(Brand, ctx.brandId),
        baseUrl: settings.baseUrl,
        accountSid: settings.accountSid,
        encryptedApiKey: '',
      });
    if (existing && existing.accountSid !== settings.accountSid) connection.applicationSid = null;
    connection.baseUrl = settings.baseUrl;
    connection.accountSid = settings.accountSid;
    connection.encryptedApiKey = this.keyring.encrypt(settings.apiKey, jambonzApiKeyAad(ctx.brandId));
    connection.carrierSid = settings.carrierSid;
    connection.status = 'pending';
    connection.lastError = null;
    connection.attempts = 0;
    connection.nextAttemptAt = null;
    await em.flush();

    await this.registerSecret(ctx, settings.accountSid, secret);
    this.options.onChange?.({ ...ctx, clientId: null });
    return viewOf(connection);
  }

  /**
   * Calls jambonz with the given settings (a missing `apiKey` falls back to the saved one), or with the
   * saved connection when `input` is absent, and says what it found. Saves nothing.
   */
  async test(ctx: TenantContext, input?: unknown): Promise<JambonzConnectionTest> {
    requireBrandScope(ctx);
    const existing = await this.db.forTenant(ctx).findOne(JambonzConnection, { brand: ctx.brandId });
    let settings: Settings;
    if (input === undefined) {
      if (!existing) throw jambonzNotConnected(ctx.brandId);
      settings = { baseUrl: existing.baseUrl, accountSid: existing.accountSid, apiKey: this.apiKeyOf(existing), carrierSid: existing.carrierSid ?? null };
    } else {
      settings = this.settingsFrom(parseInput(connectionSchema, input), existing);
    }
    return (await this.probe(settings)).found;
  }

  /** The brand's connection row, or null. */
  async connectionOf(brandId: string): Promise<JambonzConnection | null> {
    return this.db.forTenant({ brandId, clientId: null, locale: 'en' }).findOne(JambonzConnection, { brand: brandId });
  }

  /** An API client for a saved connection. */
  clientFor(connection: Pick<JambonzConnection, 'baseUrl' | 'encryptedApiKey'> & { brand: { id: string } }): JambonzApiClient {
    return this.client(connection.baseUrl, this.apiKeyOf(connection));
  }

  private apiKeyOf(connection: Pick<JambonzConnection, 'encryptedApiKey'> & { brand: { id: string } }): string {
    return this.keyring.decrypt(connection.encryptedApiKey, jambonzApiKeyAad(connection.brand.id));
  }

  private client(baseUrl: string, apiKey: string): JambonzApiClient {
    return new JambonzApiClient({ baseUrl, apiKey, timeoutMs: this.options.timeoutMs, fetch: this.options.fetch });
  }

  private settingsFrom(data: z.output<typeof connectionSchema>, existing: JambonzConnection | null): Settings {
    const apiKey = data.apiKey ?? (existing ? this.apiKeyOf(existing) : undefined);
    if (!apiKey) throw new ValidationError([{ field: 'apiKey', reason: 'is required' }]);
    return { baseUrl: jambonzServerRoot(data.baseUrl), accountSid: data.accountSid, apiKey, carrierSid: data.carrierSid ?? null };
  }

  /** One jambonz account is one brand's: its webhooks route to that brand. */
  private async refuseTakenAccount(ctx: TenantContext, accountSid: string): Promise<void> {
    const instance = this.db.forInstance('a jambonz account belongs to one brand across the instance');
    const taken =
      (await instance.count(JambonzAccount, { accountSid, brand: { $ne: ctx.brandId } })) +
      (await instance.count(JambonzConnection, { accountSid, brand: { $ne: ctx.brandId } }));
    if (taken) throw new ValidationError([{ field: 'accountSid', reason: 'is already connected to another brand' }]);
  }

  /** Reads the account, its carriers (and their gateways) and its webhook secret; jambonz's refusals become field errors. */
  private async probe(settings: Settings): Promise<{ found: JambonzConnectionTest; secret: string }> {
    const api = this.client(settings.baseUrl, settings.apiKey);
    try {
      const account = await api.getAccount(settings.accountSid);
      const carriers = await api.listVoipCarriers();
      const found: JambonzConnectionTest = {
        account: { sid: account.account_sid, name: account.name, active: account.is_active === 1 },
        carriers: [],
        carrier: null,
      };
      for (const carrier of carriers) {
        const gateways = await api.listSipGateways(carrier.voip_carrier_sid);
        found.carriers.push({
          sid: carrier.voip_carrier_sid,
          name: carrier.name,
          active: carrier.is_active === 1,
          ownedByAccount: carrier.account_sid === settings.accountSid,
          gateways: gateways.map((g) => ({ address: g.ipv4, port: g.port, inbound: g.inbound === 1, outbound: g.outbound === 1 })),
        });
      }
      if (settings.carrierSid) {
        const chosen = found.carriers.find((c) => c.sid === settings.carrierSid);
        if (!chosen) throw new ValidationError([{ field: 'carrierSid', reason: 'is not a carrier this jambonz account can use' }]);
        found.carrier = { sid: chosen.sid, name: chosen.name };
      }
      const secret = await api.getWebhookSecret(settings.accountSid);
      return { found, secret };
    } catch (error) {
      throw fieldErrorOf(error);
    }
  }

  /** The account's webhook secret, as jambonz has it, becomes (or stays) the newest we accept. */
  private async registerSecret(ctx: TenantContext, accountSid: string, secret: string): Promise<void> {
    const brandCtx = { ...ctx, clientId: null };
    const account = await this.db.forTenant(brandCtx).findOne(JambonzAccount, { accountSid });
    if (!account) {
      await this.accounts.addAccount(brandCtx, { accountSid, secret });
      return;
    }
    const secrets = this.keyring.decryptJson<string[]>(account.encryptedSecrets, jambonzSecretsAad(accountSid));
    if (!Array.isArray(secrets) || secrets[0] !== secret) await this.accounts.rotateSecret(brandCtx, { accountSid, secret });
  }
}

/** jambonz's refusal while checking a connection, as the field the admin should fix. */
function fieldErrorOf(error: unknown): unknown {
  if (!(error instanceof JambonzApiError)) return error;
  const words = error.jambonzMessage ? ` (${error.status}: ${error.jambonzMessage})` : error.status ? ` (${error.status})` : '';
  if (error.status === 401) return new ValidationError([{ field: 'apiKey', reason: 'is refused by jambonz' }]);
  if (error.status === 0) return new ValidationError([{ field: 'baseUrl', reason: `does not answer as a jambonz API: ${error.params.detail}` }]);
  // express's own 404 ("Cannot GET /…"): the address is not the api-server.
  if (error.status === 404 && error.jambonzMessage?.startsWith('Cannot ')) return new ValidationError([{ field: 'baseUrl', reason: `is not a jambonz API${words}` }]);
  if (error.status === 403 || (error.status >= 400 && error.status < 500) || /insufficient|permission|privilege/i.test(error.jambonzMessage ?? '')) {
    return new ValidationError([{ field: 'accountSid', reason: `is not an account this API key can manage${words}` }]);
  }
  return error;
}

function viewOf(connection: JambonzConnection): JambonzConnectionView {
  return {
    baseUrl: connection.baseUrl,
    accountSid: connection.accountSid,
    carrierSid: connection.carrierSid ?? null,
    applicationSid: connection.applicationSid ?? null,
    status: connection.status,
    lastError: connection.lastError ?? null,
    attempts: connection.attempts,
    nextAttemptAt: connection.nextAttemptAt ?? null,
    lastSyncedAt: connection.lastSyncedAt ?? null,
    secretRotatedAt: connection.secretRotatedAt ?? null,
    apiKeySet: true,
  };
}

import { raw } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { type Keyring, fromLocalParts, toLocalParts } from '@tero/core';
import { AgentProfile, Brand, Call, Client, type Database, JambonzAccount, PhoneNumber } from '@tero/db';

/** A number as routing sees it. */
export interface NumberEntry {
  number: string;
  brandId: string;
  /** Null for a brand's number not given to a client. */
  clientId: string | null;
  state: PhoneNumber['state'];
}

/** A client with its brand and agent, as one call needs them. Loaded once, then shared by every call until it changes. */
export interface ClientEntry {
  client: Client;
  brand: Brand;
  /** Null until the client's agent is set up: its calls get the brand's default message. */
  profile: AgentProfile | null;
  /** Changes whenever the client, brand or profile changes, or the directory is invalidated: keys derived caches (knowledge). */
  version: string;
}

/** Webhook secrets of one jambonz account, decrypted, newest first. */
export interface AccountEntry {
  accountSid: string;
  brandId: string;
  /** Set when the account is a client's own: it may then drive only that client's calls. */
  clientId: string | null;
  secrets: string[];
}

/** The AAD binding a jambonz account's encrypted secrets to its row. */
export function jambonzSecretsAad(accountSid: string): string {
  return `jambonz-account:${accountSid}`;
}

/** `15551234567`, `+1 (555) 123-4567`, `sip:+15551234567@host` → `+15551234567`; text without digits as it is. */
export function normalizeNumber(value: string): string {
  const sipUser = /^sips?:([^@;]+)/i.exec(value.trim());
  const text = sipUser ? sipUser[1]! : value.trim();
  const digits = text.replace(/[^0-9]/g, '');
  return digits.length >= 3 ? `+${digits}` : text;
}

interface Cached<T> {
  at: number;
  value: T;
}

const MAX_ENTRIES = 20_000;

/**
 * Read-through caches of what every hook looks up: number → client, client → brand and agent profile,
 * account → webhook secrets, and the client's metered seconds this month. Entries live `ttlMs` (so a
 * change made on another replica is seen within it) and are dropped at once by `invalidate()`, which the
 * kernel calls on local changes and on `telephony.directory_changed` events from other replicas.
 */
export class CallDirectory {
  private readonly numbers = new Map<string, Cached<NumberEntry | null>>();
  private readonly clients = new Map<string, Cached<ClientEntry | null>>();
  private readonly accounts = new Map<string, Cached<AccountEntry | null>>();
  private readonly brandAccounts = new Map<string, Cached<AccountEntry[]>>();
  private readonly usage = new Map<string, Cached<{ month: string; seconds: number }>>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private generation = 0;

  constructor(
    private readonly db: Database,
    private readonly keyring: Keyring,
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Drops every cached entry (a number, client, profile or account changed). */
  invalidate(): void {
    this.generation++;
    this.numbers.clear();
    this.clients.clear();
    this.accounts.clear();
    this.brandAccounts.clear();
  }

  // Each lookup answers a fresh entry before anything else: every hook makes several, and on a hit neither
  // the loader's closure nor an async wrapper is worth making.

  number(e164: string): Promise<NumberEntry | null> {
    const hit = this.fresh(this.numbers, e164);
    if (hit) return Promise.resolve(hit.value);
    return this.cached('number', this.numbers, e164, async () => {
      const row = await this.db.forInstance('an inbound call names only its number').findOne(PhoneNumber, { number: e164 });
      return row ? { number: row.number, brandId: refId(row.brand), clientId: row.client ? refId(row.client) : null, state: row.state } : null;
    });
  }

  client(brandId: string, clientId: string): Promise<ClientEntry | null> {
    const hit = this.fresh(this.clients, clientId);
    if (hit) return Promise.resolve(hit.value);
    return this.cached('client', this.clients, clientId, async () => {
      const em = this.db.forTenant({ brandId, clientId, locale: 'en' });
      const [client, brand, profile] = await Promise.all([
        em.findOne(Client, { id: clientId }),
        em.findOne(Brand, { id: brandId }),
        em.findOne(AgentProfile, { client: clientId }),
      ]);
      if (!client || !brand) return null;
      // The generation too: what `invalidate()` announces without touching these rows (a published prompt).
      const version = [...[client.updatedAt, brand.updatedAt, profile?.updatedAt].map((d) => d?.getTime() ?? 0), `g${this.generation}`].join(':');
      return { client, brand, profile, version };
    });
  }

  /** The account and its secrets, by jambonz's `account_sid`. */
  account(accountSid: string): Promise<AccountEntry | null> {
    const hit = this.fresh(this.accounts, accountSid);
    if (hit) return Promise.resolve(hit.value);
    return this.cached('account', this.accounts, accountSid, async () => {
      const row = await this.db.forInstance('a webhook is verified before its tenant is known').findOne(JambonzAccount, { accountSid });
      return row ? this.entryOf(row) : null;
    });
  }

  /** Every account of a brand that may drive calls of `clientId`'s numbers: the brand's own and the client's. */
  accountsFor(brandId: string, clientId: string | null): Promise<AccountEntry[]> {
    const key = `${brandId}/${clientId ?? '-'}`;
    const hit = this.fresh(this.brandAccounts, key);
    if (hit) return Promise.resolve(hit.value);
    return this.cached('brand', this.brandAccounts, key, async () => {
      const rows = await this.db.forTenant({ brandId, clientId: null, locale: 'en' }).find(JambonzAccount, {}, { orderBy: { createdAt: 'desc' } });
      return rows.filter((row) => !row.client || refId(row.client) === clientId).map((row) => this.entryOf(row));
    });
  }

  /** Billable seconds of the client's calls since the start of this month in its time zone. */
  async usedSecondsThisMonth(brandId: string, clientId: string, timezone: string): Promise<number> {
    const now = new Date(this.now());
    const local = toLocalParts(now, timezone);
    const month = `${local.year}-${local.month}`;
    const hit = this.fresh(this.usage, clientId);
    if (hit && hit.value.month === month) return hit.value.seconds;
    this.usage.delete(clientId);
    const entry = await this.cached('usage', this.usage, clientId, async () => {
      const since = fromLocalParts({ year: local.year, month: local.month, day: 1, hour: 0, minute: 0 }, timezone);
      const em = this.db.forTenant({ brandId, clientId, locale: 'en' }) as unknown as SqlEntityManager;
      const row = await em
        .createQueryBuilder(Call)
        .select(raw('coalesce(sum(billable_seconds), 0) as total'))
        .where({ client: clientId, startedAt: { $gte: since } })
        .execute<{ total: number | string } | undefined>('get', false);
      return { month, seconds: Number(row?.total ?? 0) };
    });
    return entry.seconds;
  }

  /** Counts a finished call's seconds in the cached usage, until the cache is read again from the database. */
  addUsage(clientId: string, seconds: number): void {
    const hit = this.usage.get(clientId);
    if (hit) hit.value.seconds += seconds;
  }

  private entryOf(row: JambonzAccount): AccountEntry {
    const secrets = this.keyring.decryptJson<unknown>(row.encryptedSecrets, jambonzSecretsAad(row.accountSid));
    return {
      accountSid: row.accountSid,
      brandId: refId(row.brand),
      clientId: row.client ? refId(row.client) : null,
      secrets: Array.isArray(secrets) ? secrets.filter((s): s is string => typeof s === 'string' && s.length > 0) : [],
    };
  }

  /** The cached value, or the one loaded by `load`; concurrent misses of one key share a single load. */
  private async cached<T>(kind: string, map: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.fresh(map, key);
    if (hit) return hit.value;
    const flightKey = `${kind}:${key}`;
    const pending = this.inflight.get(flightKey) as Promise<T> | undefined;
    if (pending) return pending;
    const generation = this.generation;
    const promise = load()
      .then((value) => {
        // An invalidation while loading means the value may predate the change: use it, do not keep it.
        if (generation === this.generation) {
          if (map.size >= MAX_ENTRIES) map.clear();
          map.set(key, { at: this.now(), value });
        }
        return value;
      })
      .finally(() => this.inflight.delete(flightKey));
    this.inflight.set(flightKey, promise);
    return promise;
  }

  private fresh<T>(map: Map<string, Cached<T>>, key: string): Cached<T> | null {
    const hit = map.get(key);
    return hit && this.now() - hit.at < this.ttlMs ? hit : null;
  }
}

function refId(ref: unknown): string {
  return typeof ref === 'string' ? ref : (ref as { id: string }).id;
}

import { randomBytes } from 'node:crypto';
import { ValidationError, parseInput } from '@tero/accounts';
import type { Keyring } from '@tero/core';
import { Brand, Client, type Database, JambonzAccount } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import { z } from 'zod';
import { jambonzSecretsAad } from './call-directory';

/** Secrets kept per account: the newest and the ones before it, so that a rotation never breaks live calls. */
export const MAX_SECRETS = 3;

const accountSid = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');
const secret = z.string().min(16, 'must be at least 16 characters').max(200);

const addSchema = z.object({
  accountSid,
  /** The client whose own jambonz account it is; absent for the brand's account. */
  clientId: z.uuid().nullish(),
  /** A secret jambonz already has; absent: one is generated. */
  secret: secret.optional(),
});

const rotateSchema = z.object({ accountSid, secret: secret.optional() });

/** A new webhook secret, in the shape jambonz's portal shows them. */
export function generateWebhookSecret(): string {
  return `wh_secret_${randomBytes(24).toString('base64url')}`;
}

/**
 * The jambonz accounts a brand (or a client) connects, and their webhook secrets, encrypted at rest with
 * AAD `jambonz-account:<sid>`. A rotation puts a new secret first and keeps the previous ones (up to
 * {@link MAX_SECRETS}) until `retireOldSecrets`, so hooks signed with either verify meanwhile.
 * `onChange` lets the hooks' caches (on every replica) forget what they knew.
 */
export class JambonzAccountsService {
  constructor(
    private readonly db: Database,
    private readonly keyring: Keyring,
    private readonly onChange: (ctx: TenantContext) => void = () => undefined,
  ) {}

  /** Connects a jambonz account; returns the secret to paste into jambonz (shown once). */
  async addAccount(ctx: TenantContext, input: unknown): Promise<{ accountSid: string; secret: string }> {
    const data = parseInput(addSchema, input);
    const em = this.db.forTenant({ ...ctx, clientId: null });
    const clientId = data.clientId ?? ctx.clientId ?? null;
    if (clientId && !(await em.count(Client, { id: clientId }))) throw new ValidationError([{ field: 'clientId', reason: 'no such client in this brand' }]);
    if (await this.db.forInstance('account sids are unique across the instance').count(JambonzAccount, { accountSid: data.accountSid })) {
      throw new ValidationError([{ field: 'accountSid', reason: 'is already connected' }]);
    }
    const value = data.secret ?? generateWebhookSecret();
    em.create(JambonzAccount, {
      brand: em.getReference(Brand, ctx.brandId),
      client: clientId ? em.getReference(Client, clientId) : null,
      accountSid: data.accountSid,
      encryptedSecrets: this.keyring.encryptJson([value], jambonzSecretsAad(data.accountSid)),
    });
    await em.flush();
    this.onChange(ctx);
    return { accountSid: data.accountSid, secret: value };
  }

  /** Puts a new secret first (given, or generated) and keeps the previous ones; returns the new one. */
  async rotateSecret(ctx: TenantContext, input: unknown): Promise<{ secret: string; kept: number }> {
    const data = parseInput(rotateSchema, input);
    const { em, account, secrets } = await this.load(ctx, data.accountSid);
    const value = data.secret ?? generateWebhookSecret();
    const next = [value, ...secrets.filter((s) => s !== value)].slice(0, MAX_SECRETS);
    account.encryptedSecrets = this.keyring.encryptJson(next, jambonzSecretsAad(account.accountSid));
    await em.flush();
    this.onChange(ctx);
    return { secret: value, kept: next.length };
  }

  /** Keeps only the newest secret, once jambonz signs with it. */
  async retireOldSecrets(ctx: TenantContext, sid: string): Promise<void> {
    const { em, account, secrets } = await this.load(ctx, parseInput(accountSid, sid));
    account.encryptedSecrets = this.keyring.encryptJson(secrets.slice(0, 1), jambonzSecretsAad(account.accountSid));
    await em.flush();
    this.onChange(ctx);
  }

  /** How many secrets an account has, newest first, without revealing them. */
  async secretCount(ctx: TenantContext, sid: string): Promise<number> {
    return (await this.load(ctx, parseInput(accountSid, sid))).secrets.length;
  }

  private async load(ctx: TenantContext, sid: string) {
    const em = this.db.forTenant(ctx);
    const account = await em.findOne(JambonzAccount, { accountSid: sid });
    if (!account) throw new TeroError('jambonz.account_not_found', `jambonz account ${sid} is not connected here`, { accountSid: sid }, { status: 404 });
    const secrets = this.keyring.decryptJson<string[]>(account.encryptedSecrets, jambonzSecretsAad(account.accountSid));
    return { em, account, secrets: Array.isArray(secrets) ? secrets : [] };
  }
}

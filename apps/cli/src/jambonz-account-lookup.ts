import { Keyring, type InstanceConfig } from '@tero/core';
import { Database, JambonzAccount, PhoneNumber } from '@tero/db';
import { TeroError } from '@tero/sdk';
import { jambonzSecretsAad } from '@tero/telephony';

/** A number to call and the jambonz account whose signed hooks reach it. */
export interface CallTarget {
  number: string;
  accountSid: string;
  /** The account's newest webhook secret: the one jambonz signs with. */
  secret: string;
}

/**
 * Finds the jambonz account behind a number (the client's own account, else its brand's) and decrypts
 * its newest webhook secret; without `number`, takes the first number assigned to a client (the demo's).
 * `tero call` and the calls benchmark use it to sign as jambonz would.
 */
export async function findCallTarget(config: Pick<InstanceConfig, 'DATABASE_URL' | 'DATA_DIR' | 'ENCRYPTION_KEYS'>, number?: string): Promise<CallTarget> {
  const keyring = Keyring.fromConfig(config.ENCRYPTION_KEYS);
  const db = await Database.open({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    const em = db.forInstance('finding the jambonz account behind a number, to sign simulated calls');
    const phone = number
      ? await em.findOne(PhoneNumber, { number })
      : await em.findOne(PhoneNumber, { client: { $ne: null }, state: 'assigned' }, { orderBy: { createdAt: 'asc' } });
    if (!phone) throw new TeroError('cli.not_found', number ? `no phone number ${number} on this instance (pass --secret and --account-sid to call it anyway)` : 'no phone number is assigned to a client on this instance');
    const accounts = await em.find(JambonzAccount, { brand: phone.brand.id });
    const clientId = phone.client?.id ?? null;
    const account = accounts.find((a) => clientId !== null && a.client?.id === clientId) ?? accounts.find((a) => !a.client);
    if (!account) throw new TeroError('cli.not_found', `the brand of ${phone.number} has no jambonz account (pass --secret and --account-sid)`);
    const secrets = keyring.decryptJson<unknown>(account.encryptedSecrets, jambonzSecretsAad(account.accountSid));
    if (!Array.isArray(secrets) || typeof secrets[0] !== 'string') throw new TeroError('cli.not_found', `jambonz account ${account.accountSid} has no webhook secret`);
    return { number: phone.number, accountSid: account.accountSid, secret: secrets[0] };
  } finally {
    await db.close();
  }
}

import { randomUUID } from 'node:crypto';
import { Keyring, generateEncryptionKey } from '@tero/core';
import { AgentProfile, Brand, Client, type Database, PhoneNumber, type PhoneNumberState } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import pino, { type Logger } from 'pino';
import { JambonzAccountsService } from '../jambonz-accounts.service';
import type { FakeJambonzServer } from '../testing/fake-jambonz.server';
import { JambonzConnectionService } from './jambonz-connection.service';
import { JambonzReconciler, type JambonzReconcilerDeps } from './jambonz-reconciler';
import { SpeechCredentialsService } from './speech-credentials.service';

/** Log lines a spec can look into. */
export function capturedLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

export interface ProvisioningWorld {
  ctx: TenantContext;
  brand: Brand;
  dental: Client;
  plumber: Client;
  accountSid: string;
  apiKey: string;
  carrierSid: string;
  connections: JambonzConnectionService;
  accounts: JambonzAccountsService;
  speech: SpeechCredentialsService;
  reconciler: JambonzReconciler;
  keyring: Keyring;
  lines: Array<Record<string, unknown>>;
  /** Adds a number of the brand, as the pool would (pending while a connection exists). */
  addNumber(number: string, state: PhoneNumberState, client?: Client | null, carrierSid?: string | null): Promise<PhoneNumber>;
  /** The number as stored now. */
  numberRow(number: string): Promise<PhoneNumber>;
  /** Moves a number as the pool would: new state and client, sync pending. */
  move(number: string, state: PhoneNumberState, client: Client | null): Promise<void>;
}

/**
 * A brand with two clients (the dental one speaks with ElevenLabs), its own account and carrier in the
 * fake jambonz, a saved connection, and the provisioning services around it — for the specs of this
 * folder, each test in a world of its own.
 */
export async function provisioningWorld(
  db: Database,
  fake: FakeJambonzServer,
  options: { clock: () => Date; timeoutMs?: number; fetch?: typeof fetch; reconciler?: Partial<JambonzReconcilerDeps> },
): Promise<ProvisioningWorld> {
  const keyring = Keyring.fromConfig(generateEncryptionKey('k1'));
  const { logger, lines } = capturedLogger();
  const slug = `b${randomUUID().slice(0, 8)}`;
  const em = db.forInstance('spec seed');
  const brand = em.create(Brand, { name: slug, slug, supportEmail: `s@${slug}.test`, senderEmail: `n@${slug}.test` });
  const dental = em.create(Client, { brand, name: 'Dental', slug: 'dental', professionPack: 'dentist', timezone: 'America/Los_Angeles' });
  const plumber = em.create(Client, { brand, name: 'Plumber', slug: 'plumber', professionPack: 'plumber', timezone: 'America/Los_Angeles' });
  em.create(AgentProfile, {
    brand,
    client: dental,
    hours: {},
    services: [],
    faq: [],
    policies: { afterHours: 'ai', holiday: 'ai', suspended: 'message', quotaExceeded: 'message', emergency: 'message' },
    voice: { vendor: 'elevenlabs', voiceId: 'voice-of-the-owner' },
  });
  await em.flush();
  const ctx: TenantContext = { brandId: brand.id, clientId: null, locale: 'en' };
  const account = fake.seedAccount({ name: `${slug} account` });
  const carrier = fake.seedCarrier({ name: `${slug}-trunk`, account_sid: account.accountSid });
  fake.seedSipGateway({ voip_carrier_sid: carrier.voip_carrier_sid, ipv4: '203.0.113.10' });

  const accounts = new JambonzAccountsService(db, keyring);
  const connections = new JambonzConnectionService(db, keyring, accounts, { timeoutMs: options.timeoutMs ?? 2_000, fetch: options.fetch });
  const speech = new SpeechCredentialsService(db, connections, { logger });
  const reconciler = new JambonzReconciler({
    db,
    keyring,
    connections,
    accounts,
    speech,
    logger,
    publicUrl: 'https://voice.example.com/',
    clock: options.clock,
    ...options.reconciler,
  });
  await connections.set(ctx, { baseUrl: fake.url, accountSid: account.accountSid, apiKey: account.apiKey, carrierSid: carrier.voip_carrier_sid });

  const brandEm = () => db.forTenant(ctx);
  return {
    ctx,
    brand,
    dental,
    plumber,
    accountSid: account.accountSid,
    apiKey: account.apiKey,
    carrierSid: carrier.voip_carrier_sid,
    connections,
    accounts,
    speech,
    reconciler,
    keyring,
    lines,
    async addNumber(number, state, client = null, carrierSid = null) {
      const scoped = brandEm();
      const row = scoped.create(PhoneNumber, {
        brand: scoped.getReference(Brand, brand.id),
        client: client ? scoped.getReference(Client, client.id) : null,
        number,
        state,
        carrierSid,
        syncState: 'pending',
      });
      await scoped.flush();
      return row;
    },
    async numberRow(number) {
      return brandEm().findOneOrFail(PhoneNumber, { number });
    },
    async move(number, state, client) {
      await brandEm().nativeUpdate(PhoneNumber, { number }, { state, client: client?.id ?? null, syncState: 'pending', updatedAt: new Date() });
    },
  };
}

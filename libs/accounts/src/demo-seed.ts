import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AgentProfile, Brand, Client, type Database, PhoneNumber } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { AccountsService } from './accounts.service';

export interface DemoLogin {
  role: string;
  email: string;
  password: string;
  /** Host the user's pages live on (without scheme and port). */
  host: string;
}

/** A demo phone line: the number, whose calls it reaches, and the jambonz account that may drive them. */
export interface DemoLine {
  number: string;
  client: string;
  accountSid: string;
  /** The account's webhook secret, to paste into jambonz (or sign simulated calls with). */
  secret: string;
}

/**
 * What the demo needs from the call path to give its clients a working phone line; the server passes it
 * (accounts does not depend on the conversation or telephony libs).
 */
export interface DemoCallSetup {
  /** The agent profile a client of this profession pack starts with (hours, services, FAQ, capacity, policies). */
  profileDefaults(packId: string): Promise<Pick<AgentProfile, 'hours' | 'services' | 'faq' | 'capacity' | 'policies'>>;
  /** Connects a jambonz account to the brand with a generated webhook secret. */
  connectJambonz(ctx: TenantContext, input: { accountSid: string }): Promise<{ accountSid: string; secret: string }>;
}

/**
 * The demo data of the embedded default: brand "Demo Voice" with client "Bright Smile Dental", and a
 * second brand on the Harbor theme, so that branding and isolation can be seen at once. Passwords are
 * generated on the first run (no default password exists) and kept in `<dataDir>/demo-logins.json`.
 * With `calls`, each client also gets an agent profile from its pack, a phone number, and its brand a
 * jambonz account with a generated webhook secret (kept in `<dataDir>/demo-lines.json`, 0600).
 */
export async function seedDemo(
  db: Database,
  accounts: AccountsService,
  dataDir: string,
  baseDomain: string,
  calls?: DemoCallSetup,
): Promise<{ created: boolean; logins: DemoLogin[]; lines: DemoLine[] }> {
  const file = join(dataDir, 'demo-logins.json');
  const linesFile = join(dataDir, 'demo-lines.json');
  const existing = await db.forInstance('is the instance seeded').count(Brand, {});
  if (existing > 0) {
    const read = <T>(path: string): T[] => (existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T[]) : []);
    return { created: false, logins: read<DemoLogin>(file), lines: read<DemoLine>(linesFile) };
  }
  const password = () => randomBytes(9).toString('base64url');
  const logins: DemoLogin[] = [];
  const ctxOf = (brandId: string, clientId: string | null = null): TenantContext => ({ brandId, clientId, locale: 'en' });

  const operator = { email: 'operator@tero.example', password: password() };
  await accounts.createOperator({ email: operator.email, name: 'Instance Operator', password: operator.password });
  logins.push({ role: 'operator', ...operator, host: baseDomain });

  const demo = await accounts.createBrand({
    name: 'Demo Voice',
    slug: 'demo',
    supportEmail: 'support@demo-voice.example',
    senderEmail: 'hello@demo-voice.example',
    themeTokens: { colorPrimary: '#7c3aed', colorAccent: '#f97316' },
  });
  const admin = { email: 'admin@demo-voice.example', password: password() };
  await accounts.createUser(ctxOf(demo.id), { email: admin.email, name: 'Dana Admin', role: 'brand_admin', password: admin.password });
  logins.push({ role: 'brand admin', ...admin, host: `demo.${baseDomain}` });

  const dental = await accounts.createClient(ctxOf(demo.id), { name: 'Bright Smile Dental', slug: 'bright-smile', professionPack: 'dentist', timezone: 'America/New_York' });
  const owner = { email: 'owner@bright-smile.example', password: password() };
  await accounts.createUser(ctxOf(demo.id, dental.id), { email: owner.email, name: 'Olivia Owner', role: 'client_owner', password: owner.password });
  await accounts.createUser(ctxOf(demo.id, dental.id), { email: 'frontdesk@bright-smile.example', name: 'Frank Frontdesk', role: 'client_staff' });
  logins.push({ role: 'client owner', ...owner, host: `bright-smile.demo.${baseDomain}` });

  const harbor = await accounts.createBrand({
    name: 'Harbor Partners',
    slug: 'harbor',
    themeId: 'harbor',
    defaultLocale: 'es',
    supportEmail: 'ayuda@harbor.example',
    senderEmail: 'hola@harbor.example',
  });
  const seaside = await accounts.createClient(ctxOf(harbor.id), { name: 'Clínica Dental Seaside', slug: 'seaside', professionPack: 'dentist', timezone: 'America/Mexico_City', locale: 'es' });
  const seasideOwner = { email: 'owner@seaside.example', password: password() };
  await accounts.createUser(ctxOf(harbor.id, seaside.id), { email: seasideOwner.email, name: 'Sofía Dueña', role: 'client_owner', password: seasideOwner.password, locale: 'es' });
  logins.push({ role: 'client owner (Harbor brand)', ...seasideOwner, host: `seaside.harbor.${baseDomain}` });

  const lines: DemoLine[] = [];
  if (calls) {
    lines.push(await seedLine(db, calls, dental, { number: '+15550100100', agentName: 'Ava', address: '12 Harbor Street, Springfield', businessPhone: '+15550100100', transferNumber: '+15550100199', onCallNumber: '+15550100198' }));
    lines.push(await seedLine(db, calls, seaside, { number: '+15550200200', agentName: 'Sofía', address: 'Avenida del Mar 8, Ciudad de México', businessPhone: '+15550200200', transferNumber: '+15550200299', onCallNumber: null }));
  }

  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(logins, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  if (lines.length) {
    writeFileSync(linesFile, `${JSON.stringify(lines, null, 2)}\n`, { mode: 0o600 });
    chmodSync(linesFile, 0o600);
  }
  return { created: true, logins, lines };
}

/** A client's agent profile (from its pack), its phone number, and its brand's jambonz account. */
async function seedLine(
  db: Database,
  calls: DemoCallSetup,
  client: Client,
  line: { number: string; agentName: string; address: string; businessPhone: string; transferNumber: string | null; onCallNumber: string | null },
): Promise<DemoLine> {
  const brandId = typeof client.brand === 'string' ? client.brand : client.brand.id;
  const ctx: TenantContext = { brandId, clientId: client.id, locale: client.locale };
  const em = db.forTenant(ctx);
  const defaults = await calls.profileDefaults(client.professionPack);
  const clientRef = em.getReference(Client, client.id);
  em.create(AgentProfile, {
    ...defaults,
    brand: em.getReference(Brand, brandId),
    client: clientRef,
    agentName: line.agentName,
    address: line.address,
    businessPhone: line.businessPhone,
    transferNumber: line.transferNumber,
    onCallNumber: line.onCallNumber,
  });
  em.create(PhoneNumber, { brand: em.getReference(Brand, brandId), client: clientRef, number: line.number, label: 'Main line' });
  await em.flush();
  const account = await calls.connectJambonz({ ...ctx, clientId: null }, { accountSid: randomUUID() });
  return { number: line.number, client: client.name, accountSid: account.accountSid, secret: account.secret };
}

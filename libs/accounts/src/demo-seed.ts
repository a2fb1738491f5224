import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Brand, type Database } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { AccountsService } from './accounts.service';

export interface DemoLogin {
  role: string;
  email: string;
  password: string;
  /** Host the user's pages live on (without scheme and port). */
  host: string;
}

/**
 * The demo data of the embedded default: brand "Demo Voice" with client "Bright Smile Dental", and a
 * second brand on the Harbor theme, so that branding and isolation can be seen at once. Passwords are
 * generated on the first run (no default password exists) and kept in `<dataDir>/demo-logins.json`.
 */
export async function seedDemo(db: Database, accounts: AccountsService, dataDir: string, baseDomain: string): Promise<{ created: boolean; logins: DemoLogin[] }> {
  const file = join(dataDir, 'demo-logins.json');
  const existing = await db.forInstance('is the instance seeded').count(Brand, {});
  if (existing > 0) {
    return { created: false, logins: existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoLogin[]) : [] };
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

  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(logins, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { created: true, logins };
}

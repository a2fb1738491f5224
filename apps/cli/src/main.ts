import 'reflect-metadata';
import { AccountsService, seedDemo } from '@tero/accounts';
import { ConfigError, Keyring, discoverPlugins, lintAll, formatLintReport, loadInstanceConfig, readCoreVersion } from '@tero/core';
import { Brand, Client, Database } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import { JambonzAccountsService } from '@tero/telephony';
import { PackShelf, demoCallSetup } from '../../server/src/hooks/conversation-runtime';
import { projectRoot } from '../../server/src/project-root';
import { CALL_HELP, runCallCommand, terminalReader } from './call.command';

const HELP = `tero — Tero Voice administration

  tero migrate                         apply pending database migrations
  tero seed demo                       create the demo brands, clients, users and phone lines (first run only)
  tero brand create --name N --slug S --support-email E --sender-email E [--domain D] [--theme T] [--locale L]
  tero client create --brand SLUG --name N --slug S --pack ID [--timezone TZ] [--locale L]
  tero user create --email E --name N --role R [--brand SLUG] [--client SLUG] [--password P]
  tero plugins                         list discovered, enabled and rejected plugins
  tero lint [--fatal]                  lint profession packs, themes and locales
${CALL_HELP}
`;

function flags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) throw new TeroError('cli.usage', `unexpected argument "${arg}"`);
    const key = arg.slice(2);
    const next = args[i + 1];
    if (next === undefined || next.startsWith('--')) out[key] = 'true';
    else out[key] = args[++i];
  }
  return out;
}

async function withDb<T>(fn: (db: Database, accounts: AccountsService, dataDir: string, baseDomain: string) => Promise<T>): Promise<T> {
  const rootDir = projectRoot();
  const config = loadInstanceConfig(process.env, { cwd: rootDir });
  const db = await Database.open({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    return await fn(db, new AccountsService(db), config.DATA_DIR, config.BASE_DOMAIN);
  } finally {
    await db.close();
  }
}

async function brandBySlug(db: Database, slug: string | undefined): Promise<Brand> {
  if (!slug) throw new TeroError('cli.usage', '--brand is required');
  const brand = await db.forInstance('CLI looks a brand up by slug').findOne(Brand, { slug });
  if (!brand) throw new TeroError('cli.not_found', `no brand with slug "${slug}"`);
  return brand;
}

export async function run(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  const print = (text: string) => process.stdout.write(`${text}\n`);
  switch (`${command ?? ''} ${['create', 'demo'].includes(sub) ? sub : ''}`.trim()) {
    case 'migrate':
      return withDb(async (db) => {
        const applied = await db.migrate();
        print(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : `database is up to date (${db.kind})`);
        return 0;
      });
    case 'seed demo':
      return withDb(async (db, accounts, dataDir, baseDomain) => {
        await db.migrate();
        const keys = loadInstanceConfig(process.env, { cwd: projectRoot() }).ENCRYPTION_KEYS;
        const calls = demoCallSetup(new PackShelf(projectRoot()), new JambonzAccountsService(db, Keyring.fromConfig(keys)));
        const { created, logins, lines } = await seedDemo(db, accounts, dataDir, baseDomain, calls);
        print(created ? 'demo data created' : 'the instance already has data: nothing seeded');
        for (const line of lines) print(`  phone line ${line.number} (${line.client}), jambonz account ${line.accountSid}; try: tero call --to ${line.number}`);
        for (const l of logins) print(`  ${l.role}: ${l.email} / ${l.password}  (${l.host})`);
        return 0;
      });
    case 'brand create':
      return withDb(async (_db, accounts) => {
        const f = flags(rest);
        const brand = await accounts.createBrand({
          name: f.name,
          slug: f.slug,
          supportEmail: f['support-email'],
          senderEmail: f['sender-email'],
          domains: f.domain ? [f.domain] : [],
          themeId: f.theme,
          defaultLocale: f.locale as never,
        });
        print(`brand ${brand.slug} created (${brand.id})`);
        return 0;
      });
    case 'client create':
      return withDb(async (db, accounts) => {
        const f = flags(rest);
        const brand = await brandBySlug(db, f.brand);
        const ctx: TenantContext = { brandId: brand.id, clientId: null, locale: 'en' };
        const client = await accounts.createClient(ctx, { name: f.name, slug: f.slug, professionPack: f.pack, timezone: f.timezone, locale: f.locale as never });
        print(`client ${client.slug} created in brand ${brand.slug} (${client.id})`);
        return 0;
      });
    case 'user create':
      return withDb(async (db, accounts) => {
        const f = flags(rest);
        if (f.role === 'operator') {
          const user = await accounts.createOperator({ email: f.email, name: f.name, password: f.password });
          print(`operator ${user.email} created`);
          return 0;
        }
        const brand = await brandBySlug(db, f.brand);
        let clientId: string | null = null;
        if (f.client) {
          const client = await db.forTenant({ brandId: brand.id, clientId: null, locale: 'en' }).findOne(Client, { slug: f.client });
          if (!client) throw new TeroError('cli.not_found', `no client "${f.client}" in brand "${brand.slug}"`);
          clientId = client.id;
        }
        const user = await accounts.createUser({ brandId: brand.id, clientId, locale: 'en' }, { email: f.email, name: f.name, role: f.role as never, password: f.password });
        print(`user ${user.email} (${user.role}) created`);
        return 0;
      });
    case 'call': {
      const args = [sub, ...rest].filter((a) => a !== undefined);
      const interactive = !args.includes('--text') && !args.includes('--scenario');
      const reader = interactive ? terminalReader() : null;
      try {
        return await runCallCommand(args, { env: process.env, cwd: projectRoot(), print, readLine: reader?.readLine });
      } finally {
        reader?.close();
      }
    }
    case 'plugins': {
      const rootDir = projectRoot();
      const config = loadInstanceConfig(process.env, { cwd: rootDir });
      const report = discoverPlugins(rootDir, readCoreVersion(rootDir));
      print('discovered:');
      for (const p of report.discovered) {
        const enabled = config.PLUGINS.includes(p.id);
        print(`  ${p.id.padEnd(22)} ${p.version.padEnd(8)} ${p.kinds.join(',').padEnd(12)} ${p.source.padEnd(8)} ${enabled ? 'enabled' : 'not enabled'}`);
      }
      print(`rejected:${report.rejected.length ? '' : ' none'}`);
      for (const r of report.rejected) print(`  ${r.id ?? r.dir}: ${r.reason}`);
      const missing = config.PLUGINS.filter((id) => !report.discovered.some((p) => p.id === id));
      for (const id of missing) print(`enabled in PLUGINS but not found: ${id}`);
      return report.rejected.some((r) => r.id && config.PLUGINS.includes(r.id)) || missing.length ? 1 : 0;
    }
    case 'lint': {
      const f = flags([sub, ...rest].filter((a) => a !== undefined));
      const report = await lintAll(projectRoot());
      print(formatLintReport(report));
      print(`${report.errors} error(s), ${report.warnings} warning(s)`);
      return f.fatal === 'true' && report.errors > 0 ? 1 : 0;
    }
    default:
      print(HELP);
      return command && command !== 'help' && command !== '--help' ? 2 : 0;
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const message = error instanceof ConfigError || error instanceof TeroError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`tero: ${message}\n`);
      process.exit(1);
    },
  );
}

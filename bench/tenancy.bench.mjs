// `npm run bench -- tenancy`: host → tenant resolution, in-process. Ours is TenantResolver with its
// cache (what every dashboard request and API call goes through); the baseline, "uncached DB lookup",
// resolves the same hosts straight from the database (brand by slug, then client by brand and slug),
// as the resolver would without its cache. On SQLite, and on PostgreSQL when it is reachable.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchDatabase } from './lib/backend.mjs';
import { reachable } from './lib/processes.mjs';
import { formatTable, percentile } from './lib/report.mjs';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => require(join(root, 'dist', path));

export const description = 'host → tenant resolution: TenantResolver (cached) vs an uncached database lookup';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const BRANDS = 10;
const CLIENTS_PER_BRAND = 30;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6) / 2;
const CONCURRENCY = 50;
const BASELINE = 'uncached DB lookup';

const METRICS = [
  { key: 'opsPerSecond', label: 'lookups/s', digits: 0, target: '> 1×' },
  { key: 'p50', label: 'p50 µs', digits: 1 },
  { key: 'p99', label: 'p99 µs', digits: 1 },
  { key: 'concurrentOps', label: `lookups/s at ${CONCURRENCY} in flight`, digits: 0, target: '> 1×' },
];

async function openDatabase(kind) {
  const { Database } = dist('libs/db/src/index.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'tero-bench-tenancy-'));
  if (kind === 'sqlite') {
    const db = await Database.open({ dataDir });
    return { db, cleanup: async () => { await db.close(); rmSync(dataDir, { recursive: true, force: true }); } };
  }
  const database = await scratchDatabase(PG_URL);
  const db = await Database.open({ dataDir, databaseUrl: database.url });
  return {
    db,
    cleanup: async () => {
      await db.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function seed(db) {
  const { Brand, Client } = dist('libs/db/src/index.js');
  await db.migrate();
  const em = db.forInstance('benchmark seeds brands and clients');
  const hosts = [];
  for (let b = 0; b < BRANDS; b++) {
    const brand = em.create(Brand, { name: `Brand ${b}`, slug: `brand${b}`, supportEmail: `help@b${b}.test`, senderEmail: `hi@b${b}.test`, domains: [] });
    for (let c = 0; c < CLIENTS_PER_BRAND; c++) {
      em.create(Client, { brand, name: `Client ${b}-${c}`, slug: `client${c}`, professionPack: 'dentist', status: 'active' });
      hosts.push(`client${c}.brand${b}.localhost`);
    }
  }
  await em.flush();
  return hosts;
}

/** The baseline: the same answer as the resolver's for `<client>.<brand>.localhost`, read from the database every time. */
function uncachedLookup(db) {
  const { Brand, Client } = dist('libs/db/src/index.js');
  return async (host) => {
    const [clientSlug, brandSlug] = host.split('.');
    const brand = await db.forInstance('benchmark: uncached host resolution').findOne(Brand, { slug: brandSlug });
    if (!brand) return null;
    const client = await db.forTenant({ brandId: brand.id, clientId: null, locale: brand.defaultLocale }).findOne(Client, { slug: clientSlug });
    return client ? { kind: 'client', brand: brand.id, client: client.id } : null;
  };
}

async function measure(lookup, hosts) {
  let i = 0;
  const next = () => hosts[i++ % hosts.length];
  // Sequential: one lookup at a time, each timed.
  const latencies = [];
  const until = performance.now() + SECONDS * 1000;
  const started = performance.now();
  while (performance.now() < until) {
    const t = performance.now();
    const found = await lookup(next());
    latencies.push((performance.now() - t) * 1000);
    if (!found) throw new Error('a seeded host did not resolve');
  }
  const sequentialMs = performance.now() - started;
  // Concurrent: CONCURRENCY lookups in flight, as a busy server has them.
  let done = 0;
  const concurrentUntil = performance.now() + (SECONDS / 2) * 1000;
  const concurrentStarted = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < concurrentUntil) {
        await lookup(next());
        done++;
      }
    }),
  );
  const concurrentMs = performance.now() - concurrentStarted;
  latencies.sort((a, b) => a - b);
  return {
    opsPerSecond: latencies.length / (sequentialMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    concurrentOps: done / (concurrentMs / 1000),
  };
}

export default async function tenancy({ print }) {
  const { TenantResolver } = dist('libs/accounts/src/index.js');
  const kinds = ['sqlite'];
  if (await reachable(PG_URL, 5432)) kinds.push('postgresql');
  else print(`\n(PostgreSQL at ${new URL(PG_URL).host} not reachable: the PostgreSQL run is skipped)`);
  for (const kind of kinds) {
    const { db, cleanup } = await openDatabase(kind);
    try {
      const hosts = await seed(db);
      const resolver = new TenantResolver(db, 'localhost');
      const ours = await measure((host) => resolver.resolve(host), hosts);
      const baseline = await measure(uncachedLookup(db), hosts);
      print(
        formatTable({
          title: `tenancy · ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} · ${BRANDS * CLIENTS_PER_BRAND} clients in ${BRANDS} brands, hosts <client>.<brand>.localhost in turn`,
          baseline: BASELINE,
          metrics: METRICS,
          rows: [
            { target: 'TenantResolver (cached)', role: 'ours', values: ours },
            { target: BASELINE, role: 'baseline', values: baseline },
          ],
          notes: [`${SECONDS} s sequential, then ${SECONDS / 2} s with ${CONCURRENCY} lookups in flight, per target; the resolver's cache lives 5 s, so its refreshes are included`],
        }),
      );
    } finally {
      await cleanup();
    }
  }
}

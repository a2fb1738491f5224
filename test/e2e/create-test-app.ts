import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type DemoLine, type DemoLogin, seedDemo } from '@tero/accounts';
import { loadInstanceConfig } from '@tero/core';
import { type DatabaseKind } from '@tero/db';
import { createTestDatabase } from '../../libs/db/src/testing';
import { clearRedisPrefix } from '../../libs/core/src/testing/services';
import request from 'supertest';
import { createHttpApp } from '../../apps/server/src/app';
import { demoCallSetup } from '../../apps/server/src/hooks/conversation-runtime';
import { type Kernel, createKernel } from '../../apps/server/src/kernel';

export const ROOT = join(__dirname, '../..');
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Which backends this e2e run uses: `TEST_BACKEND=postgres-redis` for PostgreSQL + Redis (BullMQ), else SQLite + in-process. */
export function testBackend(): { db: DatabaseKind; redis: boolean } {
  return process.env.TEST_BACKEND === 'postgres-redis' ? { db: 'postgresql', redis: true } : { db: 'sqlite', redis: false };
}

export interface TestApp {
  app: NestFastifyApplication;
  kernel: Kernel;
  logins: Record<'operator' | 'brandAdmin' | 'owner' | 'harborOwner', DemoLogin>;
  /** The demo's phone lines: Bright Smile Dental's first, then the Harbor brand's client's, with their jambonz secrets. */
  lines: DemoLine[];
  /** A supertest request with the Host header of a tenant. */
  http(host: string): ReturnType<typeof agentFor>;
  close(): Promise<void>;
}

function agentFor(app: NestFastifyApplication, host: string) {
  const server = app.getHttpServer();
  const withHost = <T extends { set(k: string, v: string): T }>(r: T) => r.set('Host', host);
  return {
    get: (path: string) => withHost(request(server).get(path)),
    post: (path: string) => withHost(request(server).post(path)),
    patch: (path: string) => withHost(request(server).patch(path)),
    delete: (path: string) => withHost(request(server).delete(path)),
  };
}

/**
 * Boots the real application (same kernel and HTTP app as `npm start`) on a fresh database of the
 * run's backend, seeds the demo, and returns helpers. Vendors are swapped through `env`.
 */
export async function createTestApp(options: { env?: Record<string, string>; clock?: () => Date } = {}): Promise<TestApp> {
  const backend = testBackend();
  const database = await createTestDatabase(backend.db, { migrate: false });
  await database.db.close();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATA_DIR: database.dataDir,
    PUBLIC_URL: 'http://localhost:3000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...(backend.redis ? { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: `tero-e2e-${randomBytes(4).toString('hex')}` } : {}),
    ...options.env,
  };
  const redisPrefix = backend.redis ? env.REDIS_PREFIX : undefined;
  const config = loadInstanceConfig(env, { cwd: database.dataDir });
  const kernel = await createKernel(config, { rootDir: ROOT, env, processJobs: true, clock: options.clock });
  await kernel.db.migrate();
  const { logins, lines } = await seedDemo(kernel.db, kernel.accounts, config.DATA_DIR, config.BASE_DOMAIN, demoCallSetup(kernel.packs, kernel.telephony.accounts));
  const byRole = (role: string) => logins.find((l) => l.role === role)!;
  const app = await createHttpApp(kernel);
  return {
    app,
    kernel,
    logins: { operator: byRole('operator'), brandAdmin: byRole('brand admin'), owner: byRole('client owner'), harborOwner: byRole('client owner (Harbor brand)') },
    lines,
    http: (host: string) => agentFor(app, host),
    close: async () => {
      await app.close();
      await kernel.close();
      await database.drop().catch(() => undefined);
      // The app's queues keep their Redis keys with no expiry: a test run leaves none behind.
      if (redisPrefix) await clearRedisPrefix(env.REDIS_URL ?? TEST_REDIS_URL, redisPrefix);
    },
  };
}

/** The CSRF cookie and form token a page hands out, for posting its form. */
export async function csrfFor(t: TestApp, host: string, path = '/login'): Promise<{ cookie: string; token: string }> {
  const res = await t.http(host).get(path).set('Accept', 'text/html');
  const cookie = (res.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1];
  if (!token) throw new Error(`no CSRF token on ${host}${path}`);
  return { cookie, token };
}

/** Signs in through the login form; returns the cookie header of the session. */
export async function signIn(t: TestApp, login: DemoLogin): Promise<string> {
  const { cookie, token } = await csrfFor(t, login.host);
  const res = await t.http(login.host).post('/login').set('Cookie', cookie).type('form').send({ email: login.email, password: login.password, _csrf: token });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status} ${res.text.slice(0, 200)}`);
  const session = (res.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).find((c) => c.startsWith('tero_session='));
  return `${cookie}; ${session}`;
}

export async function bearer(t: TestApp, login: DemoLogin): Promise<string> {
  const res = await t.http(login.host).post('/api/v1/auth/token').send({ email: login.email, password: login.password });
  if (res.status !== 200) throw new Error(`token failed: ${res.status} ${JSON.stringify(res.body)}`);
  return `Bearer ${res.body.accessToken}`;
}

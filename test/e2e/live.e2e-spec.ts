import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DomainEvent } from '@tero/core';
import type { TenantContext } from '@tero/sdk';
import { createHttpApp } from '../../apps/server/src/app';
import { type Kernel, createKernel } from '../../apps/server/src/kernel';
import { LiveGateway } from '../../apps/server/src/live/live.gateway';
import { ROOT, type TestApp, bearer, createTestApp, signIn, testBackend } from './create-test-app';
import { type LiveClient, type Received, openLive } from './live-client';

const isEvent = (m: Received) => !m.type.startsWith('live.');
const ready = (c: LiveClient) => c.ready();

/** Waits (without a clock) until a condition on the server holds. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
}

const portOf = (app: NestFastifyApplication) => (app.getHttpServer().address() as AddressInfo).port;

describe('live feed over WebSocket (/live)', () => {
  let t: TestApp;
  let port: number;
  let brand: { id: string };
  let clientA: { id: string };
  let clientB: { id: string };
  let harbor: { id: string; clientId: string };
  let ownerBToken: string;
  const hostB = 'sunny-paws.demo.localhost';
  const opened: LiveClient[] = [];
  const open = (...args: Parameters<typeof openLive>) => {
    const client = openLive(...args);
    opened.push(client);
    return client;
  };

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    port = portOf(t.app);
    const hostA = await t.kernel.resolver.resolve(t.logins.owner.host);
    const seaside = await t.kernel.resolver.resolve(t.logins.harborOwner.host);
    if (hostA?.kind !== 'client' || seaside?.kind !== 'client') throw new Error('demo clients not found');
    brand = { id: hostA.brand.id };
    clientA = { id: hostA.client.id };
    harbor = { id: seaside.brand.id, clientId: seaside.client.id };
    const ctx: TenantContext = { brandId: brand.id, clientId: null, locale: 'en' };
    const vet = await t.kernel.accounts.createClient(ctx, { name: 'Sunny Paws Vet', slug: 'sunny-paws', professionPack: 'dentist', timezone: 'Europe/Paris' });
    clientB = { id: vet.id };
    const ownerB = await t.kernel.accounts.createUser({ ...ctx, clientId: vet.id }, { email: 'owner@sunny-paws.example', name: 'Paula Paws', role: 'client_owner' });
    ownerBToken = t.kernel.auth.issueAccessToken(ownerB).accessToken;
  });
  afterEach(() => {
    for (const client of opened.splice(0)) client.socket.terminate();
  });
  afterAll(() => t.close());

  const publish = (event: Omit<DomainEvent, 'payload'> & { payload?: unknown }) => t.kernel.events.publish({ payload: {}, ...event });

  it('delivers a client’s event only to that client’s sockets and its brand admin’s, as {type, at, payload}', async () => {
    const sessionA = await signIn(t, t.logins.owner);
    const ownerA = open(port, t.logins.owner.host, { headers: { Cookie: sessionA, Origin: `http://${t.logins.owner.host}:3000` } });
    const ownerB = open(port, hostB, { path: `/live?token=${encodeURIComponent(ownerBToken)}` });
    const adminToken = (await bearer(t, t.logins.brandAdmin)).slice('Bearer '.length);
    const admin = open(port, t.logins.brandAdmin.host, { protocols: ['tero-live.v1', `bearer.${adminToken}`] });
    const harborOwner = open(port, t.logins.harborOwner.host, { headers: { Authorization: await bearer(t, t.logins.harborOwner) } });
    await Promise.all([ownerA, ownerB, admin, harborOwner].map(ready));
    expect(admin.socket.protocol).toBe('tero-live.v1');
    expect((await ready(ownerA)).payload).toEqual({ audience: { kind: 'client', brandId: brand.id, clientId: clientA.id } });

    const forA = await publish({ type: 'call.started', brandId: brand.id, clientId: clientA.id, payload: { callId: 'call-a' } });
    await publish({ type: 'call.started', brandId: brand.id, clientId: clientB.id, payload: { callId: 'call-b' } });
    await publish({ type: 'call.started', brandId: harbor.id, clientId: harbor.clientId, payload: { callId: 'call-h' } });

    // Events reach a socket in the order they were published: once each socket has its fence (published
    // last, to every tenant), anything else that was going to reach it has arrived.
    await publish({ type: 'test.fence', brandId: brand.id, clientId: clientA.id, payload: { fence: 'a' } });
    await publish({ type: 'test.fence', brandId: brand.id, clientId: clientB.id, payload: { fence: 'b' } });
    await publish({ type: 'test.fence', brandId: harbor.id, clientId: harbor.clientId, payload: { fence: 'h' } });
    const fence = (c: LiveClient, name: string) => c.next((m) => m.type === 'test.fence' && (m.payload as { fence: string }).fence === name);
    await Promise.all([fence(ownerA, 'a'), fence(ownerB, 'b'), fence(admin, 'b'), fence(harborOwner, 'h')]);

    const calls = (c: LiveClient) => c.messages.filter((m) => m.type === 'call.started').map((m) => m.payload);
    expect(ownerA.messages.find((m) => m.type === 'call.started')).toEqual({ type: 'call.started', at: forA.at, payload: { callId: 'call-a' } });
    expect(calls(ownerA)).toEqual([{ callId: 'call-a' }]);
    expect(calls(ownerB)).toEqual([{ callId: 'call-b' }]);
    expect(calls(admin)).toEqual([{ callId: 'call-a' }, { callId: 'call-b' }]);
    expect(calls(harborOwner)).toEqual([{ callId: 'call-h' }]);
    expect([ownerA, ownerB, admin, harborOwner].map((c) => c.messages.filter(isEvent).length)).toEqual([2, 2, 4, 2]);
  });

  it('refuses an unauthenticated socket with 4401, and another tenant’s credentials or origin with 4403', async () => {
    const hostA = t.logins.owner.host;
    expect(await open(port, hostA).closed).toBe(4401);
    expect(await open(port, hostA, { path: '/live?token=forged.token.value' }).closed).toBe(4401);
    expect(await open(port, hostA, { headers: { Cookie: 'tero_session=not-a-session' } }).closed).toBe(4401);
    expect(await open(port, hostA, { path: `/live?token=${encodeURIComponent(ownerBToken)}` }).closed).toBe(4403);
    const sessionA = await signIn(t, t.logins.owner);
    expect(await open(port, hostA, { headers: { Cookie: sessionA, Origin: 'https://evil.example' } }).closed).toBe(4403);
    expect(await open(port, 'nowhere.example', { path: `/live?token=${encodeURIComponent(ownerBToken)}` }).closed).toBe(4404);
    const refused = open(port, hostA);
    await refused.closed;
    expect(refused.messages).toEqual([]);
  });

  it('answers a ping with live.pong, and forgets a socket once it closes', async () => {
    const hub = t.app.get(LiveGateway).hub;
    const before = hub.size;
    const client = open(port, hostB, { path: `/live?token=${encodeURIComponent(ownerBToken)}` });
    await ready(client);
    expect(hub.size).toBe(before + 1);
    client.socket.send(JSON.stringify({ type: 'ping' }));
    expect((await client.next((m) => m.type === 'live.pong')).payload).toBeNull();
    client.socket.close(1000);
    expect(await client.closed).toBe(1000);
    await until(() => hub.size === before);
    await publish({ type: 'call.started', brandId: brand.id, clientId: clientB.id });
    expect(client.messages.filter(isEvent)).toEqual([]);
  });

  const withRedis = testBackend().redis ? it : it.skip;
  withRedis('delivers an event published on another replica (event bus fan-out through Redis)', async () => {
    const replica: Kernel = await createKernel(t.kernel.config, { rootDir: ROOT, env: {}, processJobs: false, logger: t.kernel.logger });
    const replicaApp = await createHttpApp(replica);
    try {
      await replicaApp.listen(0, '127.0.0.1');
      const ownerB = open(portOf(replicaApp), hostB, { path: `/live?token=${encodeURIComponent(ownerBToken)}` });
      await ready(ownerB);
      await t.kernel.events.publish({ type: 'call.started', brandId: brand.id, clientId: clientB.id, payload: { callId: 'from-replica-1' } });
      expect((await ownerB.next(isEvent)).payload).toEqual({ callId: 'from-replica-1' });
    } finally {
      await replicaApp.close();
      await replica.close();
    }
  });
});

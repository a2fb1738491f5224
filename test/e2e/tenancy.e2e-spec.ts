import { Client } from '@tero/db';
import { type TestApp, bearer, createTestApp, signIn } from './create-test-app';

/**
 * Every read and write path of the tenant API and the pages, tried across tenants. The list is the
 * whole API surface of this issue: a new route must be added here.
 */
describe('tenant isolation across every read and write path', () => {
  let t: TestApp;
  let ownerAuth: string;
  let harborAuth: string;
  let adminAuth: string;
  let dentalId: string;
  let seasideId: string;
  let seasideUserId: string;

  beforeAll(async () => {
    t = await createTestApp();
    ownerAuth = await bearer(t, t.logins.owner);
    harborAuth = await bearer(t, t.logins.harborOwner);
    adminAuth = await bearer(t, t.logins.brandAdmin);
    const em = t.kernel.db.forInstance('test');
    dentalId = (await em.findOneOrFail(Client, { slug: 'bright-smile' })).id;
    seasideId = (await em.findOneOrFail(Client, { slug: 'seaside' })).id;
    seasideUserId = (await t.http(t.logins.harborOwner.host).get('/api/v1/users').set('Authorization', harborAuth)).body.items[0].id;
  });
  afterAll(() => t.close());

  const api = (host: string, auth: string) => ({
    get: (path: string) => t.http(host).get(path).set('Authorization', auth),
    post: (path: string, body: object) => t.http(host).post(path).set('Authorization', auth).send(body),
    patch: (path: string, body: object) => t.http(host).patch(path).set('Authorization', auth).send(body),
  });

  it('GET /api/v1/clients lists only the caller’s own clients', async () => {
    const own = await api(t.logins.owner.host, ownerAuth).get('/api/v1/clients');
    expect(own.body.items.map((c: { slug: string }) => c.slug)).toEqual(['bright-smile']);
    const brand = await api(t.logins.brandAdmin.host, adminAuth).get('/api/v1/clients');
    expect(brand.body.items.map((c: { slug: string }) => c.slug)).toEqual(['bright-smile']);
  });

  it('GET /api/v1/clients/:id of another tenant is 404, by client and by brand admin', async () => {
    expect((await api(t.logins.owner.host, ownerAuth).get(`/api/v1/clients/${seasideId}`)).status).toBe(404);
    expect((await api(t.logins.brandAdmin.host, adminAuth).get(`/api/v1/clients/${seasideId}`)).status).toBe(404);
    expect((await api(t.logins.harborOwner.host, harborAuth).get(`/api/v1/clients/${dentalId}`)).status).toBe(404);
    expect((await api(t.logins.owner.host, ownerAuth).get(`/api/v1/clients/${dentalId}`)).status).toBe(200);
  });

  it('PATCH /api/v1/clients/:id of another tenant is 404 and changes nothing', async () => {
    const res = await api(t.logins.owner.host, ownerAuth).patch(`/api/v1/clients/${seasideId}`, { name: 'Hijacked' });
    expect(res.status).toBe(404);
    const res2 = await api(t.logins.brandAdmin.host, adminAuth).patch(`/api/v1/clients/${seasideId}`, { name: 'Hijacked' });
    expect(res2.status).toBe(404);
    const check = await t.kernel.db.forInstance('check').findOneOrFail(Client, { id: seasideId });
    expect(check.name).toBe('Clínica Dental Seaside');
  });

  it('GET /api/v1/users and /users/:id show only the caller’s tenant', async () => {
    const own = await api(t.logins.owner.host, ownerAuth).get('/api/v1/users');
    expect(own.body.items.every((u: { clientId: string }) => u.clientId === dentalId)).toBe(true);
    expect((await api(t.logins.owner.host, ownerAuth).get(`/api/v1/users/${seasideUserId}`)).status).toBe(404);
    expect((await api(t.logins.brandAdmin.host, adminAuth).get(`/api/v1/users/${seasideUserId}`)).status).toBe(404);
  });

  it('POST /api/v1/users creates only inside the caller’s tenant', async () => {
    const res = await api(t.logins.owner.host, ownerAuth).post('/api/v1/users', { email: 'new@staff.example', name: 'New', role: 'client_staff', brandId: 'x', clientId: seasideId });
    expect(res.status).toBe(201);
    expect(res.body.clientId).toBe(dentalId);
    const harborUsers = await api(t.logins.harborOwner.host, harborAuth).get('/api/v1/users');
    expect(harborUsers.body.items.map((u: { email: string }) => u.email)).not.toContain('new@staff.example');
  });

  it('POST /api/v1/clients lands in the admin’s brand only, and owners cannot create clients', async () => {
    const res = await api(t.logins.brandAdmin.host, adminAuth).post('/api/v1/clients', { name: 'New Clinic', slug: 'new-clinic', professionPack: 'dentist' });
    expect(res.status).toBe(201);
    const harbor = await api(t.logins.harborOwner.host, harborAuth).get('/api/v1/clients');
    expect(harbor.body.items.map((c: { slug: string }) => c.slug)).toEqual(['seaside']);
    expect((await api(t.logins.owner.host, ownerAuth).post('/api/v1/clients', { name: 'X', slug: 'x-clinic', professionPack: 'dentist' })).status).toBe(403);
  });

  it('GET and PATCH /api/v1/brand act on the caller’s brand only', async () => {
    expect((await api(t.logins.harborOwner.host, harborAuth).get('/api/v1/brand')).body.slug).toBe('harbor');
    expect((await api(t.logins.owner.host, ownerAuth).patch('/api/v1/brand', { name: 'Owned' })).status).toBe(403);
  });

  it('a token used on another tenant’s host is refused', async () => {
    expect((await api(t.logins.harborOwner.host, ownerAuth).get('/api/v1/me')).status).toBe(403);
    expect((await api(t.logins.brandAdmin.host, harborAuth).get('/api/v1/clients')).status).toBe(403);
  });

  it('a session cookie is worthless on another tenant’s host', async () => {
    const cookie = await signIn(t, t.logins.owner);
    const res = await t.http(t.logins.harborOwner.host).get('/').set('Cookie', cookie);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
    const brandPage = await t.http('harbor.localhost').get('/admin/clients').set('Cookie', cookie);
    expect(brandPage.headers.location).toBe('/login');
  });

  it('pages refuse roles that do not belong on them', async () => {
    const cookie = await signIn(t, t.logins.brandAdmin);
    const list = await t.http(t.logins.brandAdmin.host).get('/admin/clients').set('Cookie', cookie).set('Accept', 'text/html');
    expect(list.status).toBe(200);
    expect(list.text).toContain('Bright Smile Dental');
    expect(list.text).not.toContain('Seaside');
    const operatorPage = await t.http('localhost').get('/operator/plugins').set('Cookie', cookie);
    expect(operatorPage.headers.location).toBe('/login');
  });

  it('rejects malformed ids and unknown fields with the field and reason', async () => {
    expect((await api(t.logins.owner.host, ownerAuth).get('/api/v1/clients/not-a-uuid')).status).toBe(404);
    const res = await api(t.logins.owner.host, ownerAuth).patch(`/api/v1/clients/${dentalId}`, { timezone: 'Mars/Olympus', status: 'active' });
    expect(res.status).toBe(400);
    expect(res.body.error.fields.length).toBeGreaterThan(0);
  });
  it('/api/v1/agent/test-calls: another tenant’s test call is 404 to read, talk to or hang up, and a number of another client cannot be called', async () => {
    const harbor = api(t.logins.harborOwner.host, harborAuth);
    const own = api(t.logins.owner.host, ownerAuth);
    const started = await harbor.post('/api/v1/agent/test-calls', {});
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    expect((await own.get(`/api/v1/agent/test-calls/${id}`)).status).toBe(404);
    expect((await own.post(`/api/v1/agent/test-calls/${id}/turns`, { text: 'cancel everything' })).status).toBe(404);
    expect((await t.http(t.logins.owner.host).delete(`/api/v1/agent/test-calls/${id}`).set('Authorization', ownerAuth)).status).toBe(404);
    expect((await harbor.get(`/api/v1/agent/test-calls/${id}`)).body.ended).toBe(false);
    const foreignNumber = await own.post('/api/v1/agent/test-calls', { number: '+15550200200' });
    expect(foreignNumber.status).toBeGreaterThanOrEqual(400);
    expect(foreignNumber.status).toBeLessThan(500);
    expect((await t.http(t.logins.harborOwner.host).delete(`/api/v1/agent/test-calls/${id}`).set('Authorization', harborAuth)).status).toBe(200);
  });
});

import jwt from 'jsonwebtoken';
import { type TestApp, bearer, createTestApp, csrfFor, signIn } from './create-test-app';

describe('sign-in, sessions, magic links and tokens', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('serves the login page and health probes', async () => {
    const page = await t.http('localhost').get('/login').set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="password"');
    expect((await t.http('localhost').get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await t.http('localhost').get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.database).toBe('ok');
  });

  it('answers an unknown host with 404 and runs nothing else', async () => {
    const res = await t.http('nobody.demo.localhost').get('/login');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('tenant.unknown_host');
    expect((await t.http('evil.example.org').post('/api/v1/auth/token').send({})).status).toBe(404);
  });

  it('signs the client owner in and shows the dashboard in the brand’s colours', async () => {
    const cookie = await signIn(t, t.logins.owner);
    const res = await t.http(t.logins.owner.host).get('/').set('Cookie', cookie).set('Accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Bright Smile Dental');
    expect(res.text).toContain('Demo Voice');
    expect(res.text).toContain('--color-primary: #7c3aed');
  });

  it('shows Spanish with Accept-Language: es', async () => {
    const cookie = await signIn(t, t.logins.owner);
    const res = await t.http(t.logins.owner.host).get('/').set('Cookie', cookie).set('Accept', 'text/html').set('Accept-Language', 'es-ES,es;q=0.9');
    expect(res.text).toContain('Su recepcionista con IA');
    expect(res.text).toContain('<html lang="es">');
  });

  it('refuses a wrong password and changes nothing', async () => {
    const { cookie, token } = await csrfFor(t, t.logins.owner.host);
    const res = await t.http(t.logins.owner.host).post('/login').set('Cookie', cookie).type('form').send({ email: t.logins.owner.email, password: 'wrong password', _csrf: token });
    expect(res.status).toBe(401);
    expect(res.headers['set-cookie']?.toString() ?? '').not.toContain('tero_session=');
    expect(res.text).toContain('Wrong e-mail or password');
  });

  it('refuses a login form whose CSRF token does not match', async () => {
    const { cookie } = await csrfFor(t, t.logins.owner.host);
    const res = await t.http(t.logins.owner.host).post('/login').set('Cookie', cookie).type('form').send({ email: t.logins.owner.email, password: t.logins.owner.password, _csrf: 'forged' });
    expect(res.status).toBe(403);
    expect(res.headers['set-cookie']?.toString() ?? '').not.toContain('tero_session=');
  });

  it('refuses logout without the CSRF token, then logs out with it', async () => {
    const cookie = await signIn(t, t.logins.owner);
    const host = t.logins.owner.host;
    expect((await t.http(host).post('/logout').set('Cookie', cookie).set('Accept', 'text/html').type('form').send({})).status).toBe(403);
    const page = await t.http(host).get('/').set('Cookie', cookie).set('Accept', 'text/html');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    expect((await t.http(host).post('/logout').set('Cookie', cookie).type('form').send({ _csrf: token })).status).toBe(303);
    expect((await t.http(host).get('/').set('Cookie', cookie)).headers.location).toBe('/login');
  });

  it('hands a sign-in on the instance host over to the user’s own host', async () => {
    const { cookie, token } = await csrfFor(t, 'localhost');
    const res = await t.http('localhost').post('/login').set('Cookie', cookie).type('form').send({ email: t.logins.owner.email, password: t.logins.owner.password, _csrf: token });
    expect(res.status).toBe(303);
    const target = new URL(res.headers.location);
    expect(target.hostname).toBe('bright-smile.demo.localhost');
    const follow = await t.http(target.hostname).get(`${target.pathname}${target.search}`);
    expect(follow.status).toBe(303);
    expect(follow.headers['set-cookie']?.toString()).toContain('tero_session=');
  });

  it('e-mails a magic link to the outbox that signs in once', async () => {
    const host = t.logins.owner.host;
    const { cookie, token } = await csrfFor(t, host, '/magic-link');
    const res = await t.http(host).post('/magic-link').set('Cookie', cookie).type('form').send({ email: t.logins.owner.email, _csrf: token });
    expect(res.status).toBe(200);
    await t.kernel.jobs.drain();
    const [mail] = await t.kernel.outbox.list({ limit: 1 });
    expect(mail.to).toEqual([t.logins.owner.email]);
    expect(mail.subject).toContain('Demo Voice');
    const link = new URL(/https?:\/\/\S+token=[\w-]+/.exec(mail.text)![0]);
    expect(link.hostname).toBe(host);
    const first = await t.http(host).get(`${link.pathname}${link.search}`);
    expect(first.status).toBe(303);
    expect(first.headers['set-cookie']?.toString()).toContain('tero_session=');
    const again = await t.http(host).get(`${link.pathname}${link.search}`).set('Accept', 'text/html');
    expect(again.status).toBe(400);
    expect(again.headers['set-cookie']?.toString() ?? '').not.toContain('tero_session=');
  });

  it('refuses an expired magic link and a link used on another client’s host', async () => {
    const { User, MagicLink } = await import('@tero/db');
    const em = t.kernel.db.forInstance('test');
    const owner = await em.findOneOrFail(User, { email: t.logins.owner.email });
    const url = new URL(await t.kernel.auth.issueMagicLink(owner, 600));
    const other = await t.http(t.logins.harborOwner.host).get(`${url.pathname}${url.search}`);
    expect(other.status).toBe(400);
    const expired = new URL(await t.kernel.auth.issueMagicLink(owner, 600));
    await em.nativeUpdate(MagicLink, { usedAt: null }, { expiresAt: new Date(Date.now() - 1000) });
    expect((await t.http(t.logins.owner.host).get(`${expired.pathname}${expired.search}`)).status).toBe(400);
  });

  it('says the same for an unknown address, and sends nothing', async () => {
    const before = (await t.kernel.outbox.list({ limit: 200 })).length;
    const { cookie, token } = await csrfFor(t, t.logins.owner.host, '/magic-link');
    const res = await t.http(t.logins.owner.host).post('/magic-link').set('Cookie', cookie).type('form').send({ email: 'nobody@nowhere.example', _csrf: token });
    expect(res.status).toBe(200);
    await t.kernel.jobs.drain();
    expect((await t.kernel.outbox.list({ limit: 200 })).length).toBe(before);
  });

  it('issues bearer tokens and refuses forged, expired and malformed ones', async () => {
    const auth = await bearer(t, t.logins.owner);
    const me = await t.http(t.logins.owner.host).get('/api/v1/me').set('Authorization', auth);
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(t.logins.owner.email);
    const claims = jwt.decode(auth.slice(7)) as jwt.JwtPayload;
    const forged = jwt.sign({ brand: claims.brand, client: claims.client, role: 'brand_admin' }, 'not the key', { subject: claims.sub, issuer: 'tero', audience: 'tero-api' });
    expect((await t.http(t.logins.owner.host).get('/api/v1/me').set('Authorization', `Bearer ${forged}`)).status).toBe(401);
    const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, 'x');
    expect((await t.http(t.logins.owner.host).get('/api/v1/me').set('Authorization', `Bearer ${expired}`)).status).toBe(401);
    expect((await t.http(t.logins.owner.host).get('/api/v1/me').set('Authorization', 'Bearer abc.def')).status).toBe(401);
    expect((await t.http(t.logins.owner.host).get('/api/v1/me')).status).toBe(401);
  });

  it('validates the token request with the field and reason', async () => {
    const res = await t.http(t.logins.owner.host).post('/api/v1/auth/token').send({ email: 'not-an-email' });
    expect(res.status).toBe(400);
    expect(res.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['email', 'password']);
  });

  it('rate-limits repeated sign-in attempts for one address', async () => {
    const host = t.logins.brandAdmin.host;
    const statuses: number[] = [];
    for (let i = 0; i < t.kernel.config.LOGIN_RATE_LIMIT + 1; i++) {
      statuses.push((await t.http(host).post('/api/v1/auth/token').send({ email: t.logins.brandAdmin.email, password: `wrong-${i}` })).status);
    }
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    const last = await t.http(host).post('/api/v1/auth/token').send({ email: t.logins.brandAdmin.email, password: t.logins.brandAdmin.password });
    expect(last.status).toBe(429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
  });
});

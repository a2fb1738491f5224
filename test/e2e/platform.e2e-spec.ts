import { PRUNE_OUTBOX_JOB } from '@tero/notifications';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { type TestApp, bearer, createTestApp, csrfFor, signIn, testBackend } from './create-test-app';

describe('themes, jobs and plugins on the running app', () => {
  let t: TestApp;
  let bootedAt: number;
  beforeAll(async () => {
    bootedAt = Date.now();
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('switching a brand’s theme changes its next page, with no restart', async () => {
    const cookie = await signIn(t, t.logins.owner);
    const before = await t.http(t.logins.owner.host).get('/').set('Cookie', cookie).set('Accept', 'text/html');
    expect(before.text).not.toContain('class="harbor"');
    const auth = await bearer(t, t.logins.brandAdmin);
    const res = await t.http(t.logins.brandAdmin.host).patch('/api/v1/brand').set('Authorization', auth).send({ themeId: 'harbor' });
    expect(res.status).toBe(200);
    const after = await t.http(t.logins.owner.host).get('/').set('Cookie', cookie).set('Accept', 'text/html');
    expect(after.text).toContain('class="harbor"');
    expect((await t.http(t.logins.brandAdmin.host).patch('/api/v1/brand').set('Authorization', auth).send({ themeId: 'no-such-theme' })).status).toBe(400);
  });

  it('shows the client’s profession by its pack’s translated name, on the dashboard and the brand’s client list', async () => {
    const owner = await signIn(t, t.logins.owner);
    const en = await t.http(t.logins.owner.host).get('/').set('Cookie', owner).set('Accept', 'text/html');
    expect(en.text).toContain('<dd>Dental practice</dd>');
    const es = await t.http(t.logins.owner.host).get('/?lang=es').set('Cookie', owner).set('Accept', 'text/html');
    expect(es.text).toContain('<dd>Clínica dental</dd>');
    const admin = await signIn(t, t.logins.brandAdmin);
    const list = await t.http(t.logins.brandAdmin.host).get('/admin/clients?lang=fr').set('Cookie', admin).set('Accept', 'text/html');
    expect(list.text).toContain('<td>Cabinet dentaire</td>');
    expect(list.text).not.toContain('<td>dentist</td>');
  });

  it('serves theme stylesheets: harbor links the default base and then its own overrides', async () => {
    const cookie = await signIn(t, t.logins.harborOwner);
    const page = await t.http(t.logins.harborOwner.host).get('/').set('Cookie', cookie).set('Accept', 'text/html');
    const links = [...page.text.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((m) => m[1]);
    expect(links).toEqual(['/themes/default/theme.css', '/themes/harbor/theme.css']);
    const base = await t.http(t.logins.harborOwner.host).get(links[0]);
    expect(base.status).toBe(200);
    expect(base.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(base.text).toContain('.topbar');
    const harbor = await t.http(t.logins.harborOwner.host).get(links[1]);
    expect(harbor.text).toContain('.rail');
    expect(harbor.text).not.toContain('button.primary');
    const revalidated = await t.http(t.logins.harborOwner.host).get(links[1]).set('If-None-Match', harbor.headers.etag);
    expect(revalidated.status).toBe(304);
    for (const path of ['/themes/nope/theme.css', '/themes/default/theme.json', '/themes/default/..%2F..%2Fpackage.json']) {
      expect((await t.http('localhost').get(path)).status).toBe(404);
    }
  });

  it('runs jobs on the configured backend (BullMQ with Redis, in-process without)', () => {
    const jobs = t.kernel.jobs as JobQueueWithBackend;
    expect((jobs.unwrapped ?? jobs).constructor.name).toBe(testBackend().redis ? 'BullMqJobQueue' : 'InProcessJobQueue');
  });

  it('schedules the outbox prune at start and runs it on the configured backend', async () => {
    await t.kernel.jobs.drain();
    // The job id names the hour it was enqueued in (the app may have booted in the previous one).
    const hours = [...new Set([bootedAt, Date.now()].map((at) => Math.floor(at / 3_600_000)))];
    const views = await Promise.all(hours.map((hour) => t.kernel.jobs.get(PRUNE_OUTBOX_JOB, `outbox-prune-${hour}`)));
    expect(views.filter((view) => view?.state === 'completed')).toHaveLength(1);
  });

  it('lists email-smtp on the operator’s plugins page and the outbox there', async () => {
    const cookie = await signIn(t, t.logins.operator);
    const page = await t.http('localhost').get('/operator/plugins').set('Cookie', cookie).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('email-smtp');
    const { cookie: c2, token } = await csrfFor(t, t.logins.owner.host, '/magic-link');
    await t.http(t.logins.owner.host).post('/magic-link').set('Cookie', c2).type('form').send({ email: t.logins.owner.email, _csrf: token });
    await t.kernel.jobs.drain();
    const outbox = await t.http('localhost').get('/operator/outbox').set('Cookie', cookie).set('Accept', 'text/html');
    expect(outbox.text).toContain(t.logins.owner.email);
    const [message] = await t.kernel.outbox.list({ limit: 1 });
    const detail = await t.http('localhost').get(`/operator/outbox/${message.id}`).set('Cookie', cookie).set('Accept', 'text/html');
    expect(detail.text).toContain('/auth/magic?token');
    expect((await t.http('localhost').get('/operator/outbox/..%2F..%2Fsecrets').set('Cookie', cookie)).status).toBe(400);
  });
});

describe('magic-link e-mail through the email-smtp plugin', () => {
  let smtp: SMTPServer;
  const received: { to: string[]; data: string }[] = [];
  let t: TestApp;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: false,
      disabledCommands: ['STARTTLS'],
      onAuth: (auth, _session, cb) => (auth.username === 'tero' && auth.password === 'secret' ? cb(null, { user: 'tero' }) : cb(new Error('bad auth'))),
      onData: (stream, session, cb) => {
        let data = '';
        stream.on('data', (chunk) => (data += chunk));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    t = await createTestApp({ env: { EMAIL_TRANSPORT: 'email-smtp', EMAIL_SMTP_URL: `smtp://tero:secret@127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    await t.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('delivers the sign-in link to the SMTP server, not the outbox', async () => {
    const { cookie, token } = await csrfFor(t, t.logins.owner.host, '/magic-link');
    const res = await t.http(t.logins.owner.host).post('/magic-link').set('Cookie', cookie).type('form').send({ email: t.logins.owner.email, _csrf: token });
    expect(res.status).toBe(200);
    await t.kernel.jobs.drain();
    expect(received).toHaveLength(1);
    expect(received[0].to).toEqual([t.logins.owner.email]);
    expect(received[0].data).toContain('auth/magic?token=');
    expect(await t.kernel.outbox.list({ limit: 10 })).toEqual([]);
  });
});

/** The kernel's queue is counted for /metrics: the backend is the queue it wraps. */
type JobQueueWithBackend = { unwrapped?: object; constructor: { name: string } };

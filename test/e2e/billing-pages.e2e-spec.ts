import { Brand, Client } from '@tero/db';
import { type TestApp, createTestApp, signIn } from './create-test-app';

/** The billing pages render for each role through the brand's theme, and bad input is refused with the field. */
describe('billing pages', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const demoClient = async () => t.kernel.db.forInstance('test').findOneOrFail(Client, { slug: 'bright-smile' }, { populate: ['brand'] });
  const demoBrand = async () => t.kernel.db.forInstance('test').findOneOrFail(Brand, { slug: 'demo' });
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

  it('shows a client its plan choices, usage and invoices, in its language', async () => {
    const cookie = await signIn(t, t.logins.owner);
    const page = await t.http(t.logins.owner.host).get('/billing').set('Cookie', cookie).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-testid="billing-plans"');
    expect(page.text).toContain('data-testid="plan-growth"');
    expect(page.text).toContain('$499.00');
    // No payment account is set up for the demo brand: the page says so instead of offering a dead button.
    expect(page.text).toContain('data-testid="billing-no-provider"');
    const es = await t.http(t.logins.owner.host).get('/billing').set('Cookie', cookie).set('Accept', 'text/html').set('Accept-Language', 'es');
    expect(es.text).toContain('Facturación');
  });

  it('refuses a checkout with a provider the brand has not set up, changing nothing', async () => {
    const cookie = await signIn(t, t.logins.owner);
    const host = t.logins.owner.host;
    const page = await t.http(host).get('/billing').set('Cookie', cookie).set('Accept', 'text/html');
    const planId = /data-testid="plan-starter"[\s\S]*?name="planId" value="([^"]+)"/.exec(page.text)![1];
    const res = await t.http(host).post('/billing/checkout').set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ _csrf: csrfOf(page.text), planId, interval: 'month', provider: 'payment-stripe' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('data-testid="error"');
    const client = await demoClient();
    expect(await t.kernel.billing.subscriptions.current({ brandId: client.brand.id, clientId: client.id, locale: 'en' }, client.id)).toBeNull();
  });

  it('lets a brand admin edit plans, refusing negative and absurd amounts with the field', async () => {
    const cookie = await signIn(t, t.logins.brandAdmin);
    const host = t.logins.brandAdmin.host;
    const page = await t.http(host).get('/admin/billing').set('Cookie', cookie).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('/hooks/payments/stripe/demo');
    const planId = /action="\/admin\/billing\/plans\/([^"]+)"[^>]*data-testid="edit-plan-growth"/.exec(page.text)![1]!;
    const form = { _csrf: csrfOf(page.text), name: 'Growth', monthly: '549.00', annual: '5490.00', includedMinutes: '1500', overagePerMinute: '0.35', overQuota: 'overage', features: 'call_recording, reports', trialDays: '14', active: '1' };
    const negative = await t.http(host).post(`/admin/billing/plans/${planId}`).set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ ...form, monthly: '-5.00' });
    expect(negative.status).toBe(400);
    expect(negative.text).toContain('monthly: must be an amount');
    const absurd = await t.http(host).post(`/admin/billing/plans/${planId}`).set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ ...form, monthly: '999999999.00', annual: '1.00' });
    expect(absurd.status).toBe(400);
    const ok = await t.http(host).post(`/admin/billing/plans/${planId}`).set('Cookie', cookie).set('Accept', 'text/html').type('form').send(form);
    expect(ok.status).toBe(200);
    const ctx = { brandId: (await demoBrand()).id, clientId: null, locale: 'en' };
    expect((await t.kernel.billing.plans.get(ctx, planId)).monthlyMinor).toBe(54900);
  });

  it('lets the operator see the default plans; a client cannot open the brand page', async () => {
    const operator = await signIn(t, t.logins.operator);
    const page = await t.http(t.logins.operator.host).get('/operator/plans').set('Cookie', operator).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-testid="default-plan-starter"');
    const owner = await signIn(t, t.logins.owner);
    expect((await t.http(t.logins.owner.host).get('/admin/billing').set('Cookie', owner).set('Accept', 'text/html')).status).toBe(403);
  });

  it('serves the sign-up form on the brand host', async () => {
    const page = await t.http('demo.localhost').get('/signup').set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="businessName"');
    expect(page.text).toContain('value="dentist"');
  });
});

import type { DemoLogin } from '@tero/accounts';
import type { PlanView } from '@tero/billing';
import { AgentProfile, BillingNotice, Brand, Call, Client, Invoice, PaymentEvent, PluginSetting, Subscription, User } from '@tero/db';
import type { PaymentWebhookDelivery, TenantContext } from '@tero/sdk';
import { type PaymentVendors, type PaymentPluginId, postDelivery, startPaymentVendors, totalsOf, vendorTypeOf, type DeliveryAnswer } from './billing/payment-vendors';
import { moneyField, planFormFields, submitForm } from './billing/page-forms';
import { type TestApp, createTestApp, csrfFor, signIn } from './create-test-app';
import { callInfo, expectValidVerbs, postHook } from './jambonz-hook-requests';

jest.setTimeout(60_000);

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const BRAND_HOST = 'demo.localhost';
const PASSWORD = 'a long sign-up password 42';

/**
 * Billing end to end (issue 4, acceptance 2), on the real app and its database of the run's backend,
 * with Stripe and PayPal played by their local fakes: sign-up → checkout → signed webhook → active;
 * failed payment → reminders → suspension (calls forwarded) → payment → active; a switch from Stripe to
 * PayPal without a double charge or a gap; duplicate, out-of-order, forged and unknown webhooks; bad input.
 * Time moves only through the app's clock (`createTestApp({ clock })`) and the dunning sweep is called
 * explicitly; every webhook is delivered through `POST /hooks/payments/:provider/:brand`.
 */
describe('billing end to end', () => {
  let t: TestApp;
  let vendors: PaymentVendors;
  /** How far the app's clock runs ahead of the real time (the vendors' fakes keep the real time). */
  let aheadMs = 0;
  let adminCookie: string;
  let demo: TenantContext;
  let harbor: TenantContext;

  const em = () => t.kernel.db.forInstance('e2e assertions');
  const appNow = () => new Date(Date.now() + aheadMs);

  beforeAll(async () => {
    vendors = await startPaymentVendors();
    t = await createTestApp({ env: vendors.env, clock: appNow });
    const brandId = async (slug: string) => (await em().findOneOrFail(Brand, { slug })).id;
    demo = { brandId: await brandId('demo'), clientId: null, locale: 'en' };
    harbor = { brandId: await brandId('harbor'), clientId: null, locale: 'en' };
    adminCookie = await signIn(t, t.logins.brandAdmin);

    // The brand admin enters its Stripe and PayPal accounts on its billing page...
    const accounts: [PaymentPluginId, Record<string, string>][] = [
      ['payment-stripe', { secretKey: vendors.stripe.secretKey, webhookSecret: vendors.stripe.webhookSecret }],
      ['payment-paypal', { clientId: vendors.paypal.clientId, clientSecret: vendors.paypal.clientSecret, webhookId: vendors.paypal.webhookId }],
    ];
    for (const [pluginId, fields] of accounts) {
      expectAccepted(await submitForm(t, BRAND_HOST, adminCookie, '/admin/billing', `/admin/billing/providers/${pluginId}`, fields));
    }
    // ...and sells its plans without a trial, so that a checkout's first charge is at once.
    for (const plan of await t.kernel.billing.plans.list(demo)) {
      expectAccepted(await submitForm(t, BRAND_HOST, adminCookie, '/admin/billing', `/admin/billing/plans/${plan.id}`, planFormFields(plan, { trialDays: '0' })));
    }
  });
  afterAll(async () => {
    await t?.close();
    await vendors?.stop();
  });

  /** A form the page took: its own page again (200) or a redirect (303), with no error shown. */
  function expectAccepted(res: { status: number; text: string }) {
    expect([200, 303]).toContain(res.status);
    expect(res.text ?? '').not.toMatch(/class="[^"]*error/);
  }

  const demoPlan = async (code: string): Promise<PlanView> => (await t.kernel.billing.plans.list(demo)).find((plan) => plan.code === code)!;
  const subscriptionsOf = (clientId: string) => em().find(Subscription, { client: clientId }, { orderBy: { createdAt: 'asc' } });
  const subscriptionById = (id: string) => em().findOneOrFail(Subscription, { id });
  const clientById = (id: string) => em().findOneOrFail(Client, { id });
  const invoicesOf = (clientId: string) => em().find(Invoice, { client: clientId }, { orderBy: { sequence: 'asc' } });

  /** Every webhook the vendor sent since the last call, delivered to our hook in order; each must be taken (200). */
  async function deliver(provider: PaymentPluginId, options: { hold?: (delivery: PaymentWebhookDelivery) => boolean } = {}) {
    const vendor = provider === 'payment-stripe' ? vendors.stripe : vendors.paypal;
    const answers: DeliveryAnswer[] = [];
    const delivered: PaymentWebhookDelivery[] = [];
    const held: PaymentWebhookDelivery[] = [];
    for (const delivery of await vendor.takeWebhooks()) {
      if (options.hold?.(delivery)) {
        held.push(delivery);
        continue;
      }
      answers.push(await postDelivery(t, provider, 'demo', delivery));
      delivered.push(delivery);
    }
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    return { answers, delivered, held, totals: totalsOf(answers) };
  }

  /** The customer pays on Stripe's hosted checkout page, which sends the browser back to our success URL. */
  async function payAtStripe(checkoutUrl: string): Promise<string> {
    expect(checkoutUrl.startsWith(`${vendors.stripe.baseUrl}/c/pay/`)).toBe(true);
    const res = await fetch(checkoutUrl, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(303);
    return res.headers.get('location')!;
  }

  interface SignedUp {
    client: Client;
    owner: DemoLogin;
    /** Where the sign-up sent the browser: the vendor's checkout. */
    checkoutUrl: string;
  }

  /** A business signs up on the brand's public page; it ends at the vendor's checkout. */
  async function signUp(businessName: string, options: { plan?: string; provider?: PaymentPluginId; profession?: string } = {}): Promise<SignedUp> {
    const plan = await demoPlan(options.plan ?? 'starter');
    const { cookie, token } = await csrfFor(t, BRAND_HOST, '/signup');
    const email = `owner+${businessName.toLowerCase().replace(/[^a-z]+/g, '-')}@example.com`;
    const res = await t
      .http(BRAND_HOST)
      .post('/signup')
      .set('Cookie', cookie)
      .type('form')
      .send({
        businessName,
        ownerName: 'Pat Owner',
        email,
        password: PASSWORD,
        profession: options.profession ?? 'dentist',
        planId: plan.id,
        interval: 'month',
        provider: options.provider ?? 'payment-stripe',
        _csrf: token,
      });
    if (res.status !== 303) throw new Error(`sign-up refused: ${res.status} ${res.text.slice(0, 400)}`);
    const client = await em().findOneOrFail(Client, { brand: demo.brandId, name: businessName });
    return { client, owner: { role: 'client owner', email, password: PASSWORD, host: `${client.slug}.${BRAND_HOST}` }, checkoutUrl: res.headers.location };
  }

  /** Sign-up, payment at Stripe and Stripe's webhooks: a client with its Stripe subscription active. */
  async function activeOnStripe(businessName: string, plan = 'starter') {
    const signedUp = await signUp(businessName, { plan });
    await deliver('payment-stripe'); // what setting the checkout up made Stripe send (customer, product, price)
    await payAtStripe(signedUp.checkoutUrl);
    await deliver('payment-stripe');
    const [subscription] = await subscriptionsOf(signedUp.client.id);
    expect(subscription).toMatchObject({ status: 'active', provider: 'payment-stripe' });
    return { ...signedUp, subscription: subscription! };
  }

  /** E-mails in the outbox to `email`, oldest first, once the queued ones are sent. */
  async function mailsTo(email: string) {
    await t.kernel.jobs.drain();
    return (await t.kernel.outbox.list({ limit: 200 })).filter((mail) => mail.to.includes(email)).reverse();
  }

  async function pdfOf(host: string, cookie: string, invoiceId: string) {
    return t
      .http(host)
      .get(`/billing/invoices/${invoiceId}.pdf`)
      .set('Cookie', cookie)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
  }

  it('sets the brand up through its admin page: both payment accounts stored encrypted, plans without a trial', async () => {
    const providers = await t.kernel.billing.providers.list(demo);
    expect(providers.filter((p) => p.configured).map((p) => p.pluginId).sort()).toEqual(['payment-paypal', 'payment-stripe']);
    expect(await t.kernel.pluginSettings.get(demo, 'payment-stripe')).toEqual({ secretKey: vendors.stripe.secretKey, webhookSecret: vendors.stripe.webhookSecret });
    const stored = await em().find(PluginSetting, { brand: demo.brandId });
    expect(stored.map((row) => row.pluginId).sort()).toEqual(['payment-paypal', 'payment-stripe']);
    for (const row of stored) expect(JSON.stringify(row.encryptedConfig)).not.toContain(row.pluginId === 'payment-stripe' ? vendors.stripe.secretKey : vendors.paypal.clientSecret);
    expect((await t.kernel.billing.plans.list(demo)).map((plan) => plan.trialDays)).toEqual([0, 0, 0]);
    // The harbor brand entered nothing: it cannot take payments.
    expect((await t.kernel.billing.providers.list(harbor)).some((p) => p.configured)).toBe(false);
  });

  it('sign-up → Stripe checkout → signed webhooks → active, with invoice INV-<year>-000001 e-mailed and downloadable as a PDF', async () => {
    const page = await t.http(BRAND_HOST).get('/signup').set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('value="payment-stripe"');
    expect(page.text).toContain('value="payment-paypal"');

    const growth = await demoPlan('growth');
    const signedUp = await signUp('Sunrise Dental Care', { plan: 'growth' });
    expect(signedUp.client.status).toBe('onboarding');
    const owner = await em().findOneOrFail(User, { email: signedUp.owner.email });
    expect({ role: owner.role, clientId: owner.client?.id }).toEqual({ role: 'client_owner', clientId: signedUp.client.id });
    const [started] = await subscriptionsOf(signedUp.client.id);
    expect(started).toMatchObject({ status: 'incomplete', provider: 'payment-stripe', amountMinor: growth.monthlyMinor, currency: 'USD', interval: 'month' });
    // The checkout's set-up events (customer, product, price) are taken and change nothing.
    const setUp = await deliver('payment-stripe');
    expect(setUp.totals.applied).toBe(0);
    expect((await subscriptionById(started!.id)).status).toBe('incomplete');

    const back = await payAtStripe(signedUp.checkoutUrl);
    expect(back).toMatch(new RegExp(`^http://${signedUp.owner.host.replace(/\./g, '\\.')}:3000/setup/welcome\\?token=[\\w-]{20,}$`));
    const paid = await deliver('payment-stripe');
    expect(paid.totals.applied).toBeGreaterThanOrEqual(2); // the checkout's completion and the payment at least

    const subscription = await subscriptionById(started!.id);
    expect(subscription).toMatchObject({ status: 'active', providerSubscriptionId: expect.stringMatching(/^sub_/), providerCustomerId: expect.stringMatching(/^cus_/) });
    expect(subscription.currentPeriodEnd!.getTime()).toBeGreaterThan(Date.now());
    expect((await clientById(signedUp.client.id)).status).toBe('active');

    const charges = (await vendors.stripe.charges()).filter((charge) => charge.providerSubscriptionId === subscription.providerSubscriptionId);
    expect(charges).toMatchObject([{ status: 'succeeded', amountMinor: growth.monthlyMinor, currency: 'USD' }]);
    const invoices = await invoicesOf(signedUp.client.id);
    expect(invoices).toHaveLength(1);
    const [invoice] = invoices;
    expect(invoice).toMatchObject({ number: `INV-${appNow().getUTCFullYear()}-000001`, sequence: 1, status: 'paid', totalMinor: growth.monthlyMinor, provider: 'payment-stripe' });

    const mails = await mailsTo(signedUp.owner.email);
    expect(mails.map((mail) => mail.subject)).toContain(`Your Demo Voice invoice ${invoice!.number}`);

    const cookie = await signIn(t, signedUp.owner);
    const billing = await t.http(signedUp.owner.host).get('/billing').set('Cookie', cookie).set('Accept', 'text/html');
    expect(billing.status).toBe(200);
    expect(billing.text).toContain(invoice!.number);
    expect(billing.text).toContain(`/billing/invoices/${invoice!.id}.pdf`);
    const pdf = await pdfOf(signedUp.owner.host, cookie, invoice!.id);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toMatch(/^application\/pdf/);
    expect((pdf.body as Buffer).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // Another client's owner does not get it.
    const other = await pdfOf(t.logins.owner.host, await signIn(t, t.logins.owner), invoice!.id);
    expect(other.status).toBe(404);
  });

  describe('a failed payment: reminders, suspension with calls forwarded, payment, active again', () => {
    const bright = () => t.lines[0]!;
    let clientId: string;
    let subscriptionId: string;
    let providerSubscriptionId: string;
    const ownerEmail = () => t.logins.owner.email;
    const subjects = async () => (await mailsTo(ownerEmail())).map((mail) => mail.subject);
    const reminders = async () => em().find(BillingNotice, { client: clientId, kind: 'dunning_reminder' }, { orderBy: { sentAt: 'asc' } });
    /** A call to the client's line; the first hook's verbs, checked with jambonz's validator, and the call's route. */
    async function call() {
      const info = callInfo(bright());
      const res = await postHook(t, 'call', { ...info, caller_name: 'Maria Lopez', call_status: 'trying', sip_status: 100 }, { secret: bright().secret });
      expect(res.status).toBe(200);
      expectValidVerbs(res.body, { nonEmpty: true });
      await t.kernel.telephony.writer.flush();
      const row = await em().findOneOrFail(Call, { callSid: info.call_sid as string });
      return { verbs: res.body as Record<string, unknown>[], route: row.route };
    }
    afterAll(() => {
      aheadMs = 0;
    });

    it('Bright Smile Dental subscribes through its billing page and Stripe', async () => {
      clientId = (await em().findOneOrFail(Client, { slug: 'bright-smile' })).id;
      const cookie = await signIn(t, t.logins.owner);
      const starter = await demoPlan('starter');
      const res = await submitForm(t, t.logins.owner.host, cookie, '/billing', '/billing/checkout', { planId: starter.id, interval: 'month', provider: 'payment-stripe' });
      expect(res.status).toBe(303);
      await deliver('payment-stripe');
      await payAtStripe(res.headers.location);
      await deliver('payment-stripe');
      const [subscription] = await subscriptionsOf(clientId);
      expect(subscription).toMatchObject({ status: 'active', amountMinor: starter.monthlyMinor });
      subscriptionId = subscription!.id;
      providerSubscriptionId = subscription!.providerSubscriptionId!;
      expect((await call()).route).not.toBe('suspended');
    });

    it('a renewal refused by the card: past_due at once, the agent still answers, the day-0 reminder is e-mailed', async () => {
      await vendors.stripe.renew(providerSubscriptionId, 'failed');
      await deliver('payment-stripe');
      const subscription = await subscriptionById(subscriptionId);
      expect(subscription.status).toBe('past_due');
      expect(subscription.pastDueSince).toBeInstanceOf(Date);
      expect((await clientById(clientId)).status).toBe('active');
      expect(await subjects()).toContain('Your payment to Demo Voice did not go through');
      expect((await reminders()).map((notice) => notice.key.split(':').at(-1))).toEqual(['day0']);
      expect((await call()).route).not.toBe('suspended');
    });

    it('reminds on day 3 and day 7, once each however often the sweep runs', async () => {
      const reminderSubject = 'Reminder: your Demo Voice payment is still due';
      aheadMs = 2 * DAY_MS + 23 * HOUR_MS;
      expect((await t.kernel.billing.dunning.sweep()).failed).toBe(0);
      expect(await reminders()).toHaveLength(1);

      aheadMs = 3 * DAY_MS + HOUR_MS;
      await t.kernel.billing.dunning.sweep();
      await t.kernel.billing.dunning.sweep();
      expect((await reminders()).map((notice) => notice.key.split(':').at(-1))).toEqual(['day0', 'day3']);
      expect((await subjects()).filter((subject) => subject === reminderSubject)).toHaveLength(1);

      aheadMs = 7 * DAY_MS + HOUR_MS;
      await t.kernel.billing.dunning.sweep();
      expect((await reminders()).map((notice) => notice.key.split(':').at(-1))).toEqual(['day0', 'day3', 'day7']);
      expect((await subjects()).filter((subject) => subject === reminderSubject)).toHaveLength(2);
      expect((await subscriptionById(subscriptionId)).status).toBe('past_due');
    });

    it('suspends the subscription and the client once the 14 days of grace are over, and says so', async () => {
      aheadMs = 13 * DAY_MS + 23 * HOUR_MS;
      await t.kernel.billing.dunning.sweep();
      expect((await subscriptionById(subscriptionId)).status).toBe('past_due');

      aheadMs = 14 * DAY_MS + HOUR_MS;
      const swept = await t.kernel.billing.dunning.sweep();
      expect(swept.failed).toBe(0);
      expect((await subscriptionById(subscriptionId)).status).toBe('suspended');
      expect((await clientById(clientId)).status).toBe('suspended');
      expect((await subjects()).filter((subject) => subject === 'Your Demo Voice service is suspended')).toHaveLength(1);
      await t.kernel.billing.dunning.sweep();
      expect((await subjects()).filter((subject) => subject === 'Your Demo Voice service is suspended')).toHaveLength(1);
    });

    it("forwards a suspended client's call to the owner's phone, never drops it", async () => {
      const profile = await em().findOneOrFail(AgentProfile, { client: clientId });
      const { verbs, route } = await call();
      expect(route).toBe('suspended');
      // The policy the client's agent profile has (from its pack) is shown with the verbs when this fails.
      const answer = { policy: profile.policies.suspended, verbs: verbs.map((verb) => verb.verb), dial: verbs.find((verb) => verb.verb === 'dial') };
      expect(answer).toEqual(expect.objectContaining({ dial: expect.objectContaining({ verb: 'dial', target: [{ type: 'phone', number: profile.transferNumber }] }) }));
      expect(answer.verbs).not.toContain('gather');
      expect(answer.verbs).not.toContain('hangup');
    });

    it('a payment reactivates at once: subscription and client active, the agent answers the next call', async () => {
      await vendors.stripe.renew(providerSubscriptionId, 'paid');
      await deliver('payment-stripe');
      const subscription = await subscriptionById(subscriptionId);
      expect(subscription.status).toBe('active');
      expect(subscription.pastDueSince ?? null).toBeNull();
      expect((await clientById(clientId)).status).toBe('active');
      expect(await subjects()).toContain('Your Demo Voice service is active again');
      expect(await invoicesOf(clientId)).toHaveLength(2);

      const { verbs, route } = await call();
      expect(route).not.toBe('suspended');
      expect(verbs.find((verb) => verb.verb === 'gather')).toMatchObject({ actionHook: '/hooks/jambonz/turn' });
      expect(verbs.map((verb) => verb.verb)).not.toContain('dial');
      // Time goes on: no sweep suspends it again.
      aheadMs = 40 * DAY_MS;
      await t.kernel.billing.dunning.sweep();
      expect((await subscriptionById(subscriptionId)).status).toBe('active');
    });
  });

  it('switches from Stripe to PayPal with no double charge and no gap: the old one ends at its period end, PayPal charges first then', async () => {
    const { client, owner, subscription: old } = await activeOnStripe('Coastal Plumbing Co', 'growth');
    const paidUntil = old.currentPeriodEnd!;
    const cookie = await signIn(t, owner);
    const res = await submitForm(t, owner.host, cookie, '/billing', '/billing/switch', { provider: 'payment-paypal' });
    expect(res.status).toBe(303);
    expect(res.headers.location.startsWith(`${vendors.paypal.baseUrl}/`)).toBe(true);

    const [, switched] = await subscriptionsOf(client.id);
    expect(switched).toMatchObject({ status: 'incomplete', provider: 'payment-paypal', replacesId: old.id, amountMinor: old.amountMinor, providerSubscriptionId: expect.stringMatching(/^I-/) });
    expect(switched!.startsAt!.getTime()).toBe(paidUntil.getTime());
    // Until the customer approves at PayPal, the Stripe subscription goes on as it was.
    expect(await subscriptionById(old.id)).toMatchObject({ status: 'active', cancelAtPeriodEnd: false });
    await deliver('payment-paypal');

    await vendors.paypal.completeCheckout({ providerCheckoutId: switched!.providerCheckoutId!, providerSubscriptionId: switched!.providerSubscriptionId!, redirectUrl: res.headers.location });
    const approved = await deliver('payment-paypal');
    expect(approved.totals.applied).toBeGreaterThan(0);
    expect(await subscriptionById(switched!.id)).toMatchObject({ status: 'trialing', provider: 'payment-paypal' });
    expect(await subscriptionById(old.id)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
    expect(vendors.stripe.store.subscriptions.get(old.providerSubscriptionId!)).toMatchObject({ status: 'active', cancel_at_period_end: true });
    // Stripe tells us about the end it scheduled: taken, nothing moves.
    await deliver('payment-stripe');
    expect(await subscriptionById(old.id)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
    expect((await clientById(client.id)).status).toBe('active');

    // No double charge: PayPal charged nothing yet; its first charge is when Stripe's paid period ends (no gap).
    expect((await vendors.paypal.charges()).filter((charge) => charge.providerSubscriptionId === switched!.providerSubscriptionId)).toEqual([]);
    expect(new Date(vendors.paypal.subscription(switched!.providerSubscriptionId!)!.start_time!).getTime()).toBe(paidUntil.getTime());
    const stripeCharges = () => vendors.stripe.charges().then((all) => all.filter((charge) => charge.providerSubscriptionId === old.providerSubscriptionId));
    expect(await stripeCharges()).toHaveLength(1);

    // The period ends: Stripe ends its subscription, PayPal charges its first cycle.
    await vendors.stripe.renew(old.providerSubscriptionId!, 'paid');
    await deliver('payment-stripe');
    await vendors.paypal.renew(switched!.providerSubscriptionId!, 'paid');
    await deliver('payment-paypal');
    expect(await subscriptionById(old.id)).toMatchObject({ status: 'canceled' });
    expect(await subscriptionById(switched!.id)).toMatchObject({ status: 'active' });
    expect((await clientById(client.id)).status).toBe('active');
    expect(await stripeCharges()).toHaveLength(1);
    expect((await vendors.paypal.charges()).filter((charge) => charge.providerSubscriptionId === switched!.providerSubscriptionId)).toMatchObject([{ status: 'succeeded', amountMinor: old.amountMinor }]);
    expect((await invoicesOf(client.id)).map((invoice) => [invoice.provider, invoice.totalMinor])).toEqual([
      ['payment-stripe', old.amountMinor],
      ['payment-paypal', old.amountMinor],
    ]);
  });

  describe('duplicate, out-of-order, forged and unknown webhooks', () => {
    const inboxCount = () => em().count(PaymentEvent, { brand: demo.brandId });

    /** The delivery as it arrives late: Stripe dated it `seconds` earlier than it is now delivered (re-signed with the endpoint's secret). */
    function delayed(delivery: PaymentWebhookDelivery, seconds: number): PaymentWebhookDelivery {
      const event = JSON.parse(delivery.rawBody.toString('utf8')) as { created: number };
      return vendors.stripe.store.sign({ ...event, created: event.created - seconds }, vendors.stripe.webhookSecret);
    }

    it('the same signed webhook twice has the effect of once', async () => {
      const signedUp = await signUp('Maple Auto Repair', { profession: 'auto-mechanic' });
      await deliver('payment-stripe');
      await payAtStripe(signedUp.checkoutUrl);
      const first = await deliver('payment-stripe');
      const [subscription] = await subscriptionsOf(signedUp.client.id);
      expect(subscription!.status).toBe('active');
      const before = { inbox: await inboxCount(), invoices: (await invoicesOf(signedUp.client.id)).length, subscription: await subscriptionById(subscription!.id) };
      expect(before.invoices).toBe(1);

      for (const delivery of first.delivered) {
        const again = await postDelivery(t, 'payment-stripe', 'demo', delivery);
        expect(again.status).toBe(200);
        expect(again.body).toMatchObject({ received: true, applied: 0, duplicates: again.body.events });
      }
      const invoicePaid = first.delivered.find((delivery) => vendorTypeOf(delivery) === 'invoice.paid')!;
      expect((await postDelivery(t, 'payment-stripe', 'demo', invoicePaid)).body).toMatchObject({ events: 1, duplicates: 1, applied: 0 });
      expect(await inboxCount()).toBe(before.inbox);
      expect(await invoicesOf(signedUp.client.id)).toHaveLength(1);
      const after = await subscriptionById(subscription!.id);
      expect({ status: after.status, version: after.version, periodEnd: after.currentPeriodEnd }).toEqual({ status: before.subscription.status, version: before.subscription.version, periodEnd: before.subscription.currentPeriodEnd });
    });

    it('an older subscription state arriving after a newer one does not undo it', async () => {
      const signedUp = await signUp('Harborview Vet Clinic', { profession: 'veterinary' });
      await deliver('payment-stripe');
      await payAtStripe(signedUp.checkoutUrl);
      // Stripe's first word on the subscription (active, not ending) is held back...
      const paid = await deliver('payment-stripe', { hold: (delivery) => vendorTypeOf(delivery) === 'customer.subscription.created' });
      expect(paid.held).toHaveLength(1);
      const [subscription] = await subscriptionsOf(signedUp.client.id);
      expect(subscription!.status).toBe('active');

      // ...the owner cancels at the period's end, and Stripe's newer state says so...
      const cookie = await signIn(t, signedUp.owner);
      expect((await submitForm(t, signedUp.owner.host, cookie, '/billing', '/billing/cancel', {})).status).toBe(303);
      const newer = await deliver('payment-stripe');
      expect(newer.delivered.map(vendorTypeOf)).toContain('customer.subscription.updated');
      expect(await subscriptionById(subscription!.id)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });

      // ...then the older one arrives: taken (200), counted stale, and nothing goes back.
      const late = await postDelivery(t, 'payment-stripe', 'demo', delayed(paid.held[0]!, 60));
      expect(late.status).toBe(200);
      expect(late.body).toMatchObject({ events: 1, stale: 1, applied: 0 });
      expect(await subscriptionById(subscription!.id)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
    });

    it("a renewal's events delivered in reverse order leave the subscription past due", async () => {
      const { client, subscription } = await activeOnStripe('Riverside Family Dentistry');
      await vendors.stripe.renew(subscription.providerSubscriptionId!, 'failed');
      // Stripe does not promise the order of deliveries: the last event of the renewal comes first.
      const deliveries = (await vendors.stripe.takeWebhooks()).reverse();
      expect(deliveries.map(vendorTypeOf)).toContain('invoice.payment_failed');
      for (const delivery of deliveries) expect((await postDelivery(t, 'payment-stripe', 'demo', delivery)).status).toBe(200);
      expect(await subscriptionById(subscription.id)).toMatchObject({ status: 'past_due' });
      expect((await clientById(client.id)).status).toBe('active');
    });

    it('a forged or mistyped signature is refused with 400 and writes nothing; the genuine delivery is then taken', async () => {
      const { subscription } = await activeOnStripe('Oakwood Electric');
      await vendors.stripe.renew(subscription.providerSubscriptionId!, 'failed');
      const deliveries = await vendors.stripe.takeWebhooks();
      const failed = deliveries.find((delivery) => vendorTypeOf(delivery) === 'invoice.payment_failed')!;
      const before = { inbox: await inboxCount(), subscription: await subscriptionById(subscription.id) };

      const forged = await postDelivery(t, 'payment-stripe', 'demo', vendors.stripe.forge(failed));
      expect(forged.status).toBe(400);
      expect(forged.body.error?.code).toBe('payment.signature_invalid');
      const mistyped = await postDelivery(t, 'payment-stripe', 'demo', { ...failed, headers: { ...failed.headers, 'stripe-signature': 't=123,v1=not-hex' } });
      expect(mistyped.status).toBe(400);
      const unsigned = await postDelivery(t, 'payment-stripe', 'demo', { ...failed, headers: { 'content-type': 'application/json' } });
      expect(unsigned.status).toBe(400);
      const paypalForged = await postDelivery(t, 'payment-paypal', 'demo', vendors.paypal.forge(await vendors.paypal.unknownEvent()));
      expect(paypalForged.status).toBe(400);
      expect(await inboxCount()).toBe(before.inbox);
      expect(await subscriptionById(subscription.id)).toMatchObject({ status: 'active', version: before.subscription.version });

      for (const delivery of deliveries) expect((await postDelivery(t, 'payment-stripe', 'demo', delivery)).status).toBe(200);
      expect((await subscriptionById(subscription.id)).status).toBe('past_due');
    });

    it('an unknown event type is answered 200 and ignored; an unknown provider or brand is 404', async () => {
      const before = await inboxCount();
      const stripe = await postDelivery(t, 'payment-stripe', 'demo', await vendors.stripe.unknownEvent());
      expect(stripe).toMatchObject({ status: 200, body: { received: true, events: 1, ignored: 1, applied: 0 } });
      const paypal = await postDelivery(t, 'payment-paypal', 'demo', await vendors.paypal.unknownEvent());
      expect(paypal).toMatchObject({ status: 200, body: { received: true, events: 1, ignored: 1, applied: 0 } });
      expect(await inboxCount()).toBe(before + 2);

      const delivery = await vendors.stripe.unknownEvent();
      const unknownProvider = await t.http(BRAND_HOST).post('/hooks/payments/square/demo').set('Content-Type', 'application/json').send(delivery.rawBody.toString('utf8'));
      expect(unknownProvider.status).toBe(404);
      expect(unknownProvider.body.error.code).toBe('billing.provider_unknown');
      expect((await postDelivery(t, 'payment-stripe', 'no-such-brand', delivery)).status).toBe(404);
      // A brand that has not configured the provider has no webhook there.
      expect((await postDelivery(t, 'payment-stripe', 'harbor', delivery, 'harbor.localhost')).status).toBe(404);
      expect(await inboxCount()).toBe(before + 2);
    });
  });

  describe('bad input', () => {
    const harborPlan = async () => (await t.kernel.billing.plans.list(harbor))[0]!;

    it("refuses another brand's plan on checkout and on sign-up, creating nothing", async () => {
      const foreign = await harborPlan();
      const brightId = (await em().findOneOrFail(Client, { slug: 'bright-smile' })).id;
      const before = (await subscriptionsOf(brightId)).length;
      const cookie = await signIn(t, t.logins.owner);
      const checkout = await submitForm(t, t.logins.owner.host, cookie, '/billing', '/billing/checkout', { planId: foreign.id, interval: 'month', provider: 'payment-stripe' });
      expect(checkout.status).toBe(404);
      expect(await subscriptionsOf(brightId)).toHaveLength(before);

      const { cookie: anonymous, token } = await csrfFor(t, BRAND_HOST, '/signup');
      const signup = await t
        .http(BRAND_HOST)
        .post('/signup')
        .set('Cookie', anonymous)
        .type('form')
        .send({ businessName: 'Foreign Plan Dental', ownerName: 'Pat', email: 'foreign-plan@example.com', password: PASSWORD, profession: 'dentist', planId: foreign.id, interval: 'month', provider: 'payment-stripe', _csrf: token });
      expect(signup.status).toBe(404);
      expect(await em().count(Client, { name: 'Foreign Plan Dental' })).toBe(0);
      expect(await em().count(User, { email: 'foreign-plan@example.com' })).toBe(0);
    });

    it('refuses negative and absurd amounts on a plan with 400, changing nothing', async () => {
      const growth = await demoPlan('growth');
      const edit = (changes: Record<string, string>) => submitForm(t, BRAND_HOST, adminCookie, '/admin/billing', `/admin/billing/plans/${growth.id}`, planFormFields(growth, changes));
      const refused: Record<string, string>[] = [
        { monthly: '-499.00' },
        { overagePerMinute: '-0.35' },
        { monthly: '5000000.00', annual: moneyField(growth.annualMinor) },
        { monthly: '99999999999.00' },
        { annual: moneyField(growth.monthlyMinor * 13) },
        { includedMinutes: '-10' },
      ];
      for (const changes of refused) {
        const res = await edit(changes);
        expect({ changes, status: res.status }).toEqual({ changes, status: 400 });
      }
      expect(await t.kernel.billing.plans.get(demo, growth.id)).toEqual(growth);
    });

    it('refuses a checkout for a brand without payment credentials with billing.provider_unavailable, creating nothing', async () => {
      const plan = await harborPlan();
      const seaside = await em().findOneOrFail(Client, { slug: 'seaside' });
      const cookie = await signIn(t, t.logins.harborOwner);
      const checkouts: Record<string, string>[] = [{ planId: plan.id, interval: 'month', provider: 'payment-stripe' }, { planId: plan.id, interval: 'month' }];
      for (const fields of checkouts) {
        const res = await submitForm(t, t.logins.harborOwner.host, cookie, '/billing', '/billing/checkout', fields);
        expect(res.status).toBe(400);
        // The page says why, in the owner's language: the message of billing.provider_unavailable, naming the provider.
        const says = (lng: string) => t.kernel.i18n.t('errors:billing.provider_unavailable', { lng, provider: fields.provider ?? '(none)', reason: '§' }).split('§')[0]!;
        expect([says('es'), says('en')].some((text) => res.text.includes(text))).toBe(true);
      }
      expect(await subscriptionsOf(seaside.id)).toHaveLength(0);
      await expect(t.kernel.billing.subscriptions.startCheckout({ ...harbor, clientId: seaside.id }, { clientId: seaside.id, planId: plan.id, provider: 'payment-stripe', successUrl: 'http://seaside.harbor.localhost/billing', cancelUrl: 'http://seaside.harbor.localhost/billing' })).rejects.toMatchObject({ code: 'billing.provider_unavailable' });

      const { cookie: anonymous, token } = await csrfFor(t, 'harbor.localhost', '/signup');
      const signup = await t
        .http('harbor.localhost')
        .post('/signup')
        .set('Cookie', anonymous)
        .type('form')
        .send({ businessName: 'Sin Pagos Dental', ownerName: 'Pat', email: 'sin-pagos@example.com', password: PASSWORD, profession: 'dentist', planId: plan.id, interval: 'month', provider: 'payment-stripe', _csrf: token });
      expect(signup.status).toBe(400);
      expect(await em().count(Client, { name: 'Sin Pagos Dental' })).toBe(0);
    });
  });

  it("numbers every invoice of the brand without a gap", async () => {
    const invoices = await em().find(Invoice, { brand: demo.brandId }, { orderBy: { sequence: 'asc' } });
    expect(invoices.length).toBeGreaterThanOrEqual(1);
    expect(invoices.map((invoice) => invoice.sequence)).toEqual(invoices.map((_, i) => i + 1));
    for (const invoice of invoices) expect(invoice.number).toBe(`INV-${invoice.number.slice(4, 8)}-${String(invoice.sequence).padStart(6, '0')}`);
  });

  it("shows the brand admin this month's revenue: the paid invoices since the 1st", async () => {
    const now = new Date();
    const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const paid = (await em().find(Invoice, { brand: demo.brandId, status: 'paid' })).filter((invoice) => invoice.paidAt && invoice.paidAt >= since);
    const expected = new Intl.NumberFormat('en', { style: 'currency', currency: 'USD' }).format(paid.reduce((sum, invoice) => sum + invoice.totalMinor, 0) / 100);
    const page = await t.http(t.logins.brandAdmin.host).get('/admin/billing').set('Cookie', adminCookie).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(/data-testid="brand-revenue">([^<]*)</.exec(page.text)![1]).toBe(expected);
    expect(page.text).toContain(`${paid.length} paid invoices`);
  });
});

/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Brand, Client, PhoneNumber } from '@tero/db';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { speechLike } from '../../libs/onboarding/src/voices/testing/test-audio';
import { wavFile } from '../../libs/onboarding/src/voices/wav';
import { FakeElevenLabsServer } from '../../plugins/voice-elevenlabs/src/testing';
import { type PaymentVendors, postDelivery, startPaymentVendors } from '../e2e/billing/payment-vendors';
import { submitForm } from '../e2e/billing/page-forms';
import { ROOT, type TestApp, createTestApp, signIn } from '../e2e/create-test-app';

jest.setTimeout(180_000);

const BRAND = 'demo.localhost';

/** A port nobody listens on now, so that PUBLIC_URL (and so the checkout's return address) can name it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The words each language shows for what the test checks. */
const WORDS = {
  en: { checklist: 'Setup checklist', progress: '9 of 9 steps done', done: 'Your receptionist is ready', waiting: 'Waiting for your first real call…', you: 'You:' },
  es: { checklist: 'Lista de configuración', progress: '9 de 9 pasos hechos', done: 'Su recepcionista está lista', waiting: 'Esperando su primera llamada real…', you: 'Usted:' },
} as const;

/**
 * Acceptance 1 of issue 6 in headless Chromium: a new plumber signs up on the brand's page, pays at the
 * Stripe fake, lands signed in on the wizard, fills every step, uploads a voice sample (a WAV made here)
 * that the ElevenLabs fake clones, fetches the preview, takes a number, calls the agent, and sees the
 * checklist complete — in English, then in Spanish.
 */
describe('sign-up to first call in Chromium', () => {
  let t: TestApp;
  let vendors: PaymentVendors;
  let voices: FakeElevenLabsServer;
  let browser: Browser;
  let port: number;
  let brandId: string;

  beforeAll(async () => {
    vendors = await startPaymentVendors();
    voices = await FakeElevenLabsServer.start({ apiKey: 'xi-browser-key' });
    port = await freePort();
    t = await createTestApp({
      env: { ...vendors.env, PUBLIC_URL: `http://localhost:${port}`, VOICE_ENGINE: 'voice-elevenlabs', VOICE_ELEVENLABS_API_KEY: 'xi-browser-key', VOICE_ELEVENLABS_BASE_URL: voices.baseUrl },
    });
    await t.app.listen(port, '127.0.0.1');
    brandId = (await t.kernel.db.forInstance('browser test').findOneOrFail(Brand, { slug: 'demo' })).id;
    // The brand takes payments with Stripe and has numbers in its pool.
    const admin = await signIn(t, t.logins.brandAdmin);
    expect((await submitForm(t, BRAND, admin, '/admin/billing', '/admin/billing/providers/payment-stripe', { secretKey: vendors.stripe.secretKey, webhookSecret: vendors.stripe.webhookSecret })).status).toBe(200);
    for (const number of ['+17375550100', '+17375550101']) expect((await submitForm(t, BRAND, admin, '/admin/numbers', '/admin/numbers', { number })).status).toBe(200);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await vendors?.stop();
    await voices?.stop();
  });

  /** Stripe's webhooks so far, delivered to our hook (the fake records them; a real Stripe would post them). */
  async function deliverStripe() {
    for (const delivery of await vendors.stripe.takeWebhooks()) expect((await postDelivery(t, 'payment-stripe', 'demo', delivery)).status).toBe(200);
  }

  /** Submits the step's form and waits for the page it leads to. */
  async function save(page: Page, next: RegExp) {
    await Promise.all([page.waitForURL(next), page.getByTestId('setup-save').click()]);
  }

  async function journey(lang: 'en' | 'es', business: string, email: string) {
    const words = WORDS[lang];
    const context = await browser.newContext({ locale: lang === 'en' ? 'en-US' : 'es-ES', extraHTTPHeaders: { 'Accept-Language': lang } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));

    // Sign-up on the brand's page.
    await page.goto(`http://${BRAND}:${port}/signup`);
    await page.fill('input[name=businessName]', business);
    await page.fill('input[name=ownerName]', 'Pat Pipes');
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', 'a long sign-up password 42');
    await page.selectOption('select[name=profession]', 'plumber');
    await page.getByTestId('signup-plan-starter').locator('input').check();
    await page.selectOption('select[name=provider]', 'payment-stripe');
    await Promise.all([page.waitForURL(/\/c\/pay\//), page.locator('form button[type=submit]').click()]);

    // Payment at the Stripe fake's hosted checkout, which sends the browser back signed in to the wizard.
    await deliverStripe();
    const client = await t.kernel.db.forInstance('browser test').findOneOrFail(Client, { name: business });
    const origin = `http://${client.slug}.${BRAND}:${port}`;
    await Promise.all([page.waitForURL(`${origin}/setup?checkout=done`), page.getByRole('button', { name: 'Subscribe' }).click()]);
    await deliverStripe();
    expect(await page.getByTestId('setup-checklist').getAttribute('data-done')).toBe('0');
    expect(await page.locator('h2').first().textContent()).toBe(words.checklist);
    await Promise.all([page.waitForURL(`${origin}/setup/business`), page.getByTestId('setup-continue').click()]);

    // Business details: a bad time zone is explained next to its field, then fixed.
    await page.getByTestId('field-address').fill('12 Pipe St, Austin TX');
    await page.getByTestId('field-timezone').fill('Mars/Olympus');
    await page.getByTestId('setup-save').click();
    await page.getByTestId('error-timezone').waitFor();
    expect(await page.getByTestId('error-timezone').textContent()).toContain('Mars/Olympus');
    await page.getByTestId('field-timezone').fill('America/Chicago');
    await save(page, /\/setup\/services$/);
    await page.getByTestId('service-0-price').fill('199.00');
    await save(page, /\/setup\/faq$/);
    await save(page, /\/setup\/transfer$/);
    await page.getByTestId('field-transferNumber').fill('+15125550199');
    await page.getByTestId('field-onCallNumber').fill('+15125550198');
    await save(page, /\/setup\/afterHours$/);
    await page.selectOption('[data-testid=field-afterHours]', 'ai');
    await save(page, /\/setup\/voice$/);

    // The voice: a sample uploaded on the voice page, cloned by the ElevenLabs fake, its preview fetched.
    await Promise.all([page.waitForURL(/\/voice\?from=setup$/), page.getByTestId('setup-open-voice').click()]);
    await page.locator('[data-test=voice-upload]').setInputFiles({ name: 'my-voice.wav', mimeType: 'audio/wav', buffer: wavFile(speechLike(35)) });
    await Promise.all([page.waitForLoadState('load'), page.locator('[data-test=voice-upload-form] button[type=submit]').click()]);
    await Promise.all([page.waitForLoadState('load'), page.locator('[data-test=voice-clone]').click()]);
    await page.waitForSelector('[data-test=voice-status][data-status=ready]', { timeout: 60_000 });
    const preview = await page.evaluate(async () => {
      const res = await fetch('/voice/preview', { credentials: 'same-origin' });
      return { status: res.status, type: res.headers.get('content-type'), bytes: (await res.arrayBuffer()).byteLength };
    });
    expect(preview).toMatchObject({ status: 200, type: 'audio/mpeg' });
    expect(preview.bytes).toBeGreaterThan(100);
    await Promise.all([page.waitForURL(`${origin}/setup`), page.locator('[data-test=voice-back-to-setup]').click()]);
    await page.goto(`${origin}/setup/voice`);
    expect(await page.getByTestId('setup-voice').getAttribute('data-status')).toBe('ready');
    await save(page, /\/setup\/prompt$/);

    // The pack's prompt kept; the first free number taken; the agent called.
    await Promise.all([page.waitForURL(/\/setup\/number$/), page.getByTestId('setup-prompt-keep').click()]);
    await save(page, /\/setup\/testCall$/);
    const [number] = await t.kernel.db.forInstance('browser test').find(PhoneNumber, { client: client.id, state: 'assigned' });
    expect(number?.number).toMatch(/^\+1737555010[01]$/);
    await Promise.all([page.waitForLoadState('load'), page.getByTestId('setup-test-call-start').click()]);
    await page.getByTestId('setup-transcript').waitFor();
    expect(await page.getByTestId('setup-transcript').textContent()).toContain(business);
    await page.getByTestId('setup-test-call-text').fill(lang === 'en' ? 'My kitchen sink is clogged' : 'Tengo el fregadero atascado');
    await Promise.all([page.waitForLoadState('load'), page.getByTestId('setup-test-call-send').click()]);
    expect(await page.getByTestId('setup-transcript').textContent()).toContain(words.you);
    await Promise.all([page.waitForURL(`${origin}/setup/done`), page.getByTestId('setup-test-call-hangup').click()]);

    // The checklist is complete; the finish page names the dashboard and the number, and waits for a real call.
    const checklist = page.getByTestId('setup-checklist');
    expect(await checklist.getAttribute('data-complete')).toBe('yes');
    expect(await page.getByTestId('setup-progress').textContent()).toBe(words.progress);
    expect(await page.locator('h1').first().textContent()).toBe(words.done);
    expect(await page.getByTestId('setup-dashboard-url').textContent()).toBe(`${origin}/`);
    expect(await page.getByTestId('setup-number').textContent()).toContain(number!.number);
    expect(await page.getByTestId('setup-first-call').textContent()).toBe(words.waiting);
    expect(await page.locator('html').getAttribute('lang')).toBe(lang);
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-results', `onboarding-${lang}.png`), fullPage: true });
    expect(problems).toEqual([]);
    const state = await t.kernel.wizard.state({ brandId, clientId: client.id, locale: lang });
    expect(state).toMatchObject({ doneCount: 9, nextOpen: null });
    await context.close();
  }

  it('signs a plumber up, pays, sets everything up with a voice sample, takes a number and calls the agent — in English', async () => {
    await journey('en', 'Austin Flow Plumbing', 'pat@austinflow.example');
  });

  it('does the same in Spanish', async () => {
    await journey('es', 'Fontanería del Río', 'pat@fontaneria.example');
  });
});

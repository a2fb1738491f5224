/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type CallerInputSource, JambonzSimulator } from '@tero/telephony';
import { type Browser, type Page, chromium } from 'playwright-core';
import { ROOT, type TestApp, createTestApp } from '../e2e/create-test-app';

/** Monday 9 March 2026, 10:15 in New York (Bright Smile's zone): the clock runs from there. */
const BASE = Date.parse('2026-03-09T14:15:00Z');

/** A caller who says `first`, then waits for the test to let them go, then hangs up. */
function heldCaller(first: string): { input: CallerInputSource; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let turn = 0;
  return {
    release,
    input: async () => {
      if (turn++ === 0) return { speech: first };
      await gate;
      return { hangup: true };
    },
  };
}

describe('the live dashboard in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let port: number;

  beforeAll(async () => {
    const realStart = Date.now();
    t = await createTestApp({ clock: () => new Date(BASE + (Date.now() - realStart)) });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--host-resolver-rules=MAP *.localhost 127.0.0.1`],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signInAs(locale: string) {
    const context = await browser.newContext({ locale, extraHTTPHeaders: { 'Accept-Language': locale } });
    const page = await context.newPage();
    const base = `http://${t.logins.owner.host}:${port}`;
    await page.goto(`${base}/login`);
    await page.fill('input[name=email]', t.logins.owner.email);
    await page.fill('input[name=password]', t.logins.owner.password);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
    await page.getByTestId('dashboard').waitFor();
    await page.locator('[data-testid="live-status"][data-state="connected"]').waitFor();
    return { page, context };
  }

  /** Places a call on Bright Smile's line through the hooks, as jambonz would; the caller waits after their first words. */
  function placeCall(from: string, words: string) {
    const line = t.lines[0]!;
    const caller = heldCaller(words);
    const simulator = new JambonzSimulator({ baseUrl: `http://127.0.0.1:${port}`, secret: line.secret, accountSid: line.accountSid });
    const call = simulator.call({ from, to: line.number, input: caller.input });
    return { call, hangUp: async () => (caller.release(), call) };
  }

  const figure = (page: Page, id: string) => page.getByTestId(`figure-${id}`);
  const waitText = (page: Page, testId: string, text: string) =>
    page.waitForFunction(([id, want]) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() === want, [testId, text] as const);
  const waitAttr = (page: Page, selector: string, name: string, value: string) =>
    page.waitForFunction(([s, n, v]) => document.querySelector(s)?.getAttribute(n) === v, [selector, name, value] as const);

  it('shows a call appear live with its transcript, then the figures and plots take it in when it ends', async () => {
    const { page, context } = await signInAs('en-US');
    expect(await figure(page, 'calls').textContent()).toBe('0');
    expect(await page.getByTestId('live-empty').isVisible()).toBe(true);
    await waitAttr(page, '[data-plot="per-day"]', 'data-total', '0');
    expect(await page.locator('[data-plot="per-day"] canvas').count()).toBeGreaterThan(0);

    const call = placeCall('+15557770101', 'What are your opening hours?');
    const card = page.getByTestId('live-call');
    await card.waitFor();
    await card.getByTestId('live-transcript').getByText('What are your opening hours?').waitFor();
    // The greeting is read from the record once it is written; the agent's answer came with the turn.
    await card.getByTestId('live-transcript').getByText(/Bright Smile Dental/).first().waitFor();
    expect(await card.getByTestId('live-caller').textContent()).toContain('+15557770101');
    expect(await card.locator('li[data-speaker="agent"]').count()).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('live-empty').isVisible()).toBe(false);
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-results', 'live-dashboard-en.png'), fullPage: true });

    await call.hangUp();
    await card.waitFor({ state: 'detached' });
    await waitText(page, 'figure-calls', '1');
    await waitAttr(page, '[data-plot="per-day"]', 'data-total', '1');
    await waitAttr(page, '[data-plot="per-hour"]', 'data-total', '1');
    expect(await figure(page, 'success-rate').textContent()).toBe('100%');
    expect(await page.getByTestId('live-empty').isVisible()).toBe(true);
    await context.close();
  });

  it('does the same in Spanish for a reader whose browser asks for it', async () => {
    const { page, context } = await signInAs('es-ES');
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    expect(await page.getByText('Llamadas en curso').count()).toBe(1);
    expect(await page.getByText('Llamadas de hoy').count()).toBe(1);
    expect(await page.getByTestId('live-status').textContent()).toBe('En directo');
    expect(await figure(page, 'calls').textContent()).toBe('1');

    const call = placeCall('+15557770102', 'Do you take insurance?');
    const card = page.getByTestId('live-call');
    await card.getByTestId('live-transcript').getByText('Do you take insurance?').waitFor();
    expect(await card.locator('li[data-speaker="caller"] .speaker').first().textContent()).toBe('Llamante');
    await page.screenshot({ path: join(ROOT, 'test-results', 'live-dashboard-es.png'), fullPage: true });

    await call.hangUp();
    await card.waitFor({ state: 'detached' });
    await waitText(page, 'figure-calls', '2');
    await waitAttr(page, '[data-plot="per-day"]', 'data-total', '2');
    // The revenue card reads in the reader's language and the brand's currency (none booked here).
    const zero = new Intl.NumberFormat('es-ES', { style: 'currency', currency: 'USD' }).format(0);
    expect((await figure(page, 'revenue').textContent())?.replace(/\s/g, ' ')).toBe(zero.replace(/\s/g, ' '));
    await context.close();
  });
});

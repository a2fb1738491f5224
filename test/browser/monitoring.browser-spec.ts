/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Brand, JambonzConnection } from '@tero/db';
import { jambonzApiKeyAad } from '@tero/telephony';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium, signInPage } from './chromium';
import { FakeJambonzServer } from '../../libs/telephony/src/testing/fake-jambonz.server';
import { ROOT, type TestApp, createTestApp } from '../e2e/create-test-app';
import { callInfo, postHook } from '../e2e/jambonz-hook-requests';

const MIN = 60_000;

describe('the monitoring page in Chromium', () => {
  let t: TestApp;
  let fake: FakeJambonzServer;
  let browser: Browser;
  let port: number;

  beforeAll(async () => {
    fake = await FakeJambonzServer.start();
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;

    const em = t.kernel.db.forInstance('browser spec setup');
    const demo = await em.findOneOrFail(Brand, { slug: 'demo' });
    const account = fake.seedAccount({ name: 'Demo Voice' });
    em.create(JambonzConnection, { brand: demo, baseUrl: fake.url, accountSid: account.accountSid, encryptedApiKey: t.kernel.keyring.encrypt(account.apiKey, jambonzApiKeyAad(demo.id)) });
    await em.flush();
    const now = Date.now();
    const number = t.lines[0]!.number.replace('+', '');
    fake.seedRecentCalls(
      account.accountSid,
      Array.from({ length: 30 }, (_, i) => ({
        call_sid: `call-${i}`,
        from: `1555777${String(i).padStart(4, '0')}`,
        to: number,
        trunk: i % 3 ? 'acme-sip' : 'good-sip',
        sip_status: i % 4 ? 200 : 486,
        answered: i % 4 !== 0,
        duration: i % 4 ? 45 + i : 0,
        attempted_at: now - i * 37 * MIN,
      })),
    );
    fake.seedAlerts(account.accountSid, [{ alert_type: 'webhook-failure', url: 'https://tero.example/hooks/jambonz/turn', status: 502, time: now - 90 * MIN }]);
    const run = await t.kernel.monitoring.runBrand(demo.id);
    expect(run.calls).toMatchObject({ inserted: 30, advanced: true });
    // A few hooks, for the latency plot.
    const line = t.lines[0]!;
    for (let i = 0; i < 3; i++) {
      const info = callInfo(line);
      await postHook(t, 'call', { ...info, call_status: 'trying', sip_status: 100 }, { secret: line.secret });
      await postHook(t, 'status', { ...info, call_status: 'completed', duration: 5 }, { secret: line.secret });
    }

    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fake?.close();
  });

  /** Signs in, and records every console error, page error and failed request of the page. */
  async function signInAs(login: TestApp['logins']['operator'], locale: string): Promise<{ page: Page; problems: string[]; close(): Promise<void> }> {
    const context = await browser.newContext({ locale, extraHTTPHeaders: { 'Accept-Language': locale }, viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      // The browser asks for /favicon.ico on its own; no theme has one.
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) problems.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    await signInPage(page, login, port);
    return { page, problems, close: () => context.close() };
  }

  it('opens from the operator’s top bar and draws the four plots, without an error', async () => {
    const { page, problems, close } = await signInAs(t.logins.operator, 'en-US');
    await Promise.all([page.waitForURL(/\/operator\/monitoring$/), page.getByRole('link', { name: 'Monitoring' }).click()]);
    await page.locator('[data-plot="calls"] canvas').waitFor();
    for (const id of ['calls', 'sip', 'webhooks', 'hook-latency']) {
      expect(await page.locator(`[data-plot="${id}"] canvas`).count()).toBe(1);
      const size = await page.locator(`[data-plot="${id}"] canvas`).evaluate((canvas: HTMLCanvasElement) => ({ width: canvas.width, height: canvas.height }));
      expect(size.width).toBeGreaterThan(200);
      expect(size.height).toBeGreaterThan(100);
    }
    // Something was drawn: the calls plot's canvas is not blank.
    const inked = await page.locator('[data-plot="calls"] canvas').evaluate((canvas: HTMLCanvasElement) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
      return painted;
    });
    expect(inked).toBeGreaterThan(500);
    const legend = await page.locator('[data-plot="calls"] .u-legend').textContent();
    expect(legend).toContain('Calls');
    expect(legend).toContain('ASR %');
    expect(await page.locator('[data-plot="hook-latency"] .u-legend').textContent()).toContain('call');
    expect(await page.getByTestId('summary-calls').textContent()).toBe('30');
    expect(await page.getByTestId('carrier-row').count()).toBe(2);
    expect(problems).toEqual([]);
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-results', 'monitoring-operator-en.png'), fullPage: true });
    await close();
  });

  it('shows the brand admin the same plots in French, redrawn at a new width', async () => {
    const { page, problems, close } = await signInAs(t.logins.brandAdmin, 'fr-FR');
    await page.goto(`http://${t.logins.brandAdmin.host}:${port}/admin/monitoring?range=7d`);
    await page.locator('[data-plot="sip"] canvas').waitFor();
    expect(await page.locator('.plot canvas').count()).toBe(4);
    expect(await page.locator('[data-plot="calls"] .u-legend').textContent()).toContain('Appels');
    const before = await page.locator('[data-plot="calls"] canvas').evaluate((canvas: HTMLCanvasElement) => canvas.getBoundingClientRect().width);
    await page.setViewportSize({ width: 700, height: 900 });
    // One column now: the plot takes the card's new width, and stays within it.
    await page.waitForFunction((previous) => Math.abs(document.querySelector('[data-plot="calls"] canvas')!.getBoundingClientRect().width - previous) > 20, before);
    const fits = await page.locator('[data-plot="calls"]').evaluate((el) => el.querySelector('canvas')!.getBoundingClientRect().width <= el.getBoundingClientRect().width + 1);
    expect(fits).toBe(true);
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(ROOT, 'test-results', 'monitoring-brand-fr.png'), fullPage: true });
    await close();
  });
});

/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, signInPage } from './chromium';
import { ROOT, type TestApp, createTestApp } from '../e2e/create-test-app';

describe('the client dashboard in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signInAs(locale: string) {
    const context = await browser.newContext({ locale, extraHTTPHeaders: { 'Accept-Language': locale } });
    const page = await context.newPage();
    await signInPage(page, t.logins.owner, port);
    return { page, context };
  }

  it('signs the owner in and shows the themed shell in the brand’s colours', async () => {
    const { page, context } = await signInAs('en-US');
    await page.getByTestId('dashboard').waitFor();
    expect(await page.getByTestId('brand-name').textContent()).toBe('Demo Voice');
    expect(await page.locator('h1').first().textContent()).toContain('Bright Smile Dental');
    const topbar = await page.getByTestId('topbar').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(topbar).toBe('rgb(124, 58, 237)'); // Demo Voice's colorPrimary #7c3aed, over the theme's indigo
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-results', 'dashboard-en.png'), fullPage: true });
    await context.close();
  });

  it('shows the same dashboard in Spanish with Accept-Language: es', async () => {
    const { page, context } = await signInAs('es-ES');
    await page.getByTestId('dashboard').waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    expect(await page.getByText('Su recepcionista con IA').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Cerrar sesión' }).count()).toBe(1);
    await page.screenshot({ path: join(ROOT, 'test-results', 'dashboard-es.png'), fullPage: true });
    await context.close();
  });

  it('opens billing from the top bar: plans in the brand’s currency, and no dead pay button without a payment account', async () => {
    const { page, context } = await signInAs('fr-FR');
    await page.getByTestId('dashboard').waitFor();
    await Promise.all([page.waitForURL(/\/billing$/), page.getByRole('link', { name: 'Facturation' }).click()]);
    await page.getByTestId('billing-plans').waitFor();
    expect(await page.locator('h1').first().textContent()).toContain('Facturation');
    expect(await page.getByTestId('plan-growth').textContent()).toContain('499,00');
    expect(await page.getByTestId('billing-no-provider').isVisible()).toBe(true);
    expect(await page.getByTestId('plan-growth').getByRole('button').isDisabled()).toBe(true);
    await page.screenshot({ path: join(ROOT, 'test-results', 'billing-fr.png'), fullPage: true });
    await context.close();
  });
});

/// <reference lib="dom" />
import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { EXPORT_COLUMNS } from '@tero/analytics';
import { JambonzSimulator, heldCaller } from '@tero/telephony';
import { type Browser, type Download, type Page } from 'playwright-core';
import { launchChromium, signInPage } from './chromium';
import { pdfText } from '../../libs/core/src/testing/pdf-text';
import { ROOT, type TestApp, createTestApp } from '../e2e/create-test-app';

/** Monday 9 March 2026, 10:15 in New York (Bright Smile's zone): the clock runs from there. */
const BASE = Date.parse('2026-03-09T14:15:00Z');

/** The words a reader sees on the call log, the call's detail, the exports and reports pages and in the report, per language. */
interface PageWords {
  callLog: string;
  detailTitle: (from: string) => string;
  transcript: string;
  timeline: string;
  callEnded: string;
  exports: string;
  reports: string;
  dailyReport: string;
  /** The report's row of the number of calls. */
  calls: string;
}

const ENGLISH: PageWords = { callLog: 'Call log', detailTitle: (from) => `Call from ${from}`, transcript: 'Transcript', timeline: 'Timeline', callEnded: 'Call ended', exports: 'Exports', reports: 'Reports', dailyReport: 'Daily report', calls: 'Calls' };
const SPANISH: PageWords = { callLog: 'Registro de llamadas', detailTitle: (from) => `Llamada de ${from}`, transcript: 'Transcripción', timeline: 'Cronología', callEnded: 'Llamada terminada', exports: 'Exportaciones', reports: 'Informes', dailyReport: 'Informe diario', calls: 'Llamadas' };

/** Splits a CSV (RFC 4180: quoted cells may hold commas, doubled quotes and line breaks) into records of cells. */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      record.push(cell);
      cell = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      records.push([...record, cell]);
      record = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  if (cell !== '' || record.length > 0) records.push([...record, cell]);
  return records;
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

  /** The file a click on `control` makes the browser download, read whole. */
  async function downloadFrom(page: Page, control: string): Promise<{ download: Download; content: Buffer }> {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(control).click()]);
    const path = await download.path();
    return { download, content: readFileSync(path) };
  }

  /**
   * After a call has ended: the reader finds it in the call log, opens its detail (timeline and transcript),
   * exports the day's calls as CSV through the exports page's form and downloads the day's report PDF through
   * the reports page, which counts `callsToday` — every page in the reader's language.
   */
  async function followCallAfterwards(page: Page, from: string, said: string, callsToday: number, words: PageWords) {
    // The call's record is written behind: what its hooks queued is written now, as the periodic flush
    // would a moment later, so that the pages read the call ended (a loaded machine may delay that flush).
    await t.kernel.telephony.writer.flush();
    const base = `http://${t.logins.owner.host}:${port}`;
    await page.goto(`${base}/calls`);
    await page.getByRole('heading', { level: 1, name: words.callLog }).waitFor();
    await page.getByTestId('calls-caller').fill(from);
    await Promise.all([page.waitForURL(/\/calls\?/), page.getByTestId('calls-search').click()]);
    const row = page.getByTestId('call-row').filter({ hasText: from });
    expect(await row.count()).toBe(1);
    const callId = await row.getAttribute('data-call-id');
    expect(callId).toBeTruthy();

    await Promise.all([page.waitForURL(`${base}/calls/${callId}`), row.getByTestId('call-link').click()]);
    const detail = page.getByTestId('call-detail');
    expect(await detail.getAttribute('data-call-id')).toBe(callId);
    expect(await detail.getByRole('heading', { level: 1 }).textContent()).toBe(words.detailTitle(from));
    const transcript = page.getByTestId('call-transcript');
    expect(await transcript.getByRole('heading', { level: 2 }).textContent()).toBe(words.transcript);
    expect(await transcript.locator('li[data-speaker="caller"]').filter({ hasText: said }).count()).toBe(1);
    expect(await transcript.locator('li[data-speaker="agent"]').filter({ hasText: /Bright Smile Dental/ }).count()).toBeGreaterThanOrEqual(1);
    const timeline = page.getByTestId('call-timeline');
    expect(await timeline.getByRole('heading', { level: 2 }).textContent()).toBe(words.timeline);
    expect(await timeline.locator('li[data-kind="turn"]').filter({ hasText: said }).count()).toBe(1);
    expect(await timeline.locator('li[data-kind="event"]').filter({ hasText: words.callEnded }).count()).toBe(1);

    await page.goto(`${base}/exports`);
    await page.getByTestId('exports').getByRole('heading', { level: 1, name: words.exports }).waitFor();
    const today = await page.getByTestId('export-to').getAttribute('max');
    expect(today).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await page.getByTestId('export-kind').selectOption('calls');
    await page.getByTestId('export-format').selectOption('csv');
    await page.getByTestId('export-from').fill(today!);
    await page.getByTestId('export-to').fill(today!);
    await page.getByTestId('export-caller').fill(from);
    const csv = await downloadFrom(page, 'export-submit');
    expect(csv.download.suggestedFilename()).toBe(`calls-${today}-${today}.csv`);
    const records = csvRecords(csv.content.toString('utf8').replace(/^\uFEFF/, ''));
    expect(records[0]).toEqual([...EXPORT_COLUMNS.calls]);
    expect(records.slice(1).map((cells) => cells[EXPORT_COLUMNS.calls.indexOf('id')])).toEqual([callId]);
    const cells = records[1]!;
    expect(cells[EXPORT_COLUMNS.calls.indexOf('from_number')]).toBe(from);
    expect(cells[EXPORT_COLUMNS.calls.indexOf('started_at')]!.startsWith(`${today}T`)).toBe(true);

    await page.goto(`${base}/reports`);
    await page.getByTestId('reports').getByRole('heading', { level: 1, name: words.reports }).waitFor();
    await page.getByTestId('report-kind').selectOption('daily');
    await page.getByTestId('report-date').fill(today!);
    const report = await downloadFrom(page, 'report-submit');
    expect(report.content.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const { text } = await pdfText(report.content);
    expect(text).toContain('Bright Smile Dental');
    expect(text).toContain(words.dailyReport);
    // Today's figures, against none yesterday: the call just ended is counted.
    expect(text).toMatch(new RegExp(`${words.calls} ${callsToday} 0 `));
  }

  it('shows a call appear live with its transcript, the figures and plots take it in when it ends, then its detail, a CSV and a report', async () => {
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
    // The call's row was written when it started, its end is written behind: a loaded machine may show the
    // call counted before its outcome is, until the next refresh (the rollup's `summary_changed`) brings it.
    await waitText(page, 'figure-success-rate', '100%');
    expect(await page.getByTestId('live-empty').isVisible()).toBe(true);

    await followCallAfterwards(page, '+15557770101', 'What are your opening hours?', 1, ENGLISH);
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

    await followCallAfterwards(page, '+15557770102', 'Do you take insurance?', 2, SPANISH);
    await context.close();
  });
});

/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VoiceClone } from '@tero/db';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium, signInPage } from './chromium';
import { speechLike } from '../../libs/onboarding/src/voices/testing/test-audio';
import { wavFile } from '../../libs/onboarding/src/voices/wav';
import { FakeElevenLabsServer } from '../../plugins/voice-elevenlabs/src/testing';
import { ROOT, type TestApp, createTestApp } from '../e2e/create-test-app';

/**
 * The voice page in Chromium: recording with the microphone (Chromium's fake device, fed a speech-like
 * WAV) uploads a WebM the server keeps, files go through the upload input, and "clone my voice" ends on
 * the ready state with the preview player, with no console or page error.
 */
describe('the voice page in Chromium', () => {
  let t: TestApp;
  let fake: FakeElevenLabsServer;
  let browser: Browser;
  let port: number;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tero-voice-browser-'));
    writeFileSync(join(dir, 'microphone.wav'), wavFile(speechLike(6, { sampleRate: 48_000 }), 48_000));
    writeFileSync(join(dir, 'owner.wav'), wavFile(speechLike(40, { sampleRate: 44_100 }), 44_100));
    fake = await FakeElevenLabsServer.start({ apiKey: 'xi-browser' });
    t = await createTestApp({ env: { PLUGINS: 'voice-elevenlabs', VOICE_ELEVENLABS_API_KEY: 'xi-browser', VOICE_ELEVENLABS_BASE_URL: fake.baseUrl } });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${join(dir, 'microphone.wav')}`]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fake?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(): Promise<{ page: Page; problems: string[]; base: string }> {
    const login = t.logins.owner;
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1200, height: 900 } });
    await context.grantPermissions(['microphone']);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) problems.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(`${response.status()} ${response.url()}`);
    });
    const base = await signInPage(page, login, port);
    return { page, problems, base };
  }

  it('records with the microphone, uploads files, clones and plays the preview', async () => {
    const { page, problems, base } = await signIn();
    await Promise.all([page.waitForURL(/\/voice$/), page.locator('[data-test="nav-voice"]').click()]);
    expect(await page.locator('[data-test="voice-status"]').getAttribute('data-status')).toBe('none');

    // The recorder shows itself only where the browser can record.
    const record = page.locator('[data-test="voice-record"]');
    await record.waitFor({ state: 'visible' });
    await record.click();
    await page.locator('[data-test="voice-record-state"]', { hasText: 'Recording' }).waitFor();
    await page.waitForTimeout(4500);
    await Promise.all([page.waitForEvent('load'), record.click()]);
    expect(new URL(page.url()).pathname).toBe('/voice');
    await page.locator('[data-test="voice-sample"]').first().waitFor();
    const kept = (await t.kernel.db.forInstance('browser assertions').findOneOrFail(VoiceClone, { id: { $ne: null } })).samples;
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ format: 'webm' });
    expect(kept[0]!.durationSeconds).toBeGreaterThan(3);

    await page.locator('[data-test="voice-upload"]').setInputFiles(join(dir, 'owner.wav'));
    await Promise.all([page.waitForURL(`${base}/voice/samples`), page.locator('[data-test="voice-upload-form"] button[type=submit]').click()]);
    expect(await page.locator('[data-test="voice-sample"]').count()).toBe(2);
    await Promise.all([page.waitForURL(`${base}/voice/clone`), page.locator('[data-test="voice-clone"]').click()]);
    // Cloning runs as a job; the page follows it and reloads once it is done.
    await page.locator('[data-test="voice-status"][data-status="ready"]').waitFor({ timeout: 30_000 });
    const preview = page.locator('[data-test="voice-preview"]');
    await preview.waitFor();
    expect(await preview.getAttribute('src')).toBe('/voice/preview');
    const served = await page.evaluate(async () => {
      const res = await fetch('/voice/preview');
      return { status: res.status, type: res.headers.get('content-type'), bytes: (await res.arrayBuffer()).byteLength };
    });
    expect(served).toMatchObject({ status: 200, type: 'audio/mpeg' });
    expect(served.bytes).toBeGreaterThan(100);
    expect(fake.storedVoices()).toHaveLength(1);
    expect(problems).toEqual([]);
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-results', 'voice-ready-en.png'), fullPage: true });
  });
});

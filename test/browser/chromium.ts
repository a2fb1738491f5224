import { type Browser, type Page, chromium } from 'playwright-core';

/**
 * Debian's Chromium (CHROMIUM_PATH, or /usr/bin/chromium), headless, with `*.localhost` resolved to
 * 127.0.0.1 so that brand and client hosts reach the test app; `extraArgs` add flags (a fake microphone…).
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP *.localhost 127.0.0.1',
      ...extraArgs,
    ],
  });
}

/** Signs `login` in on its own host through the login form; resolves to that host's base URL once the form has led elsewhere. */
export async function signInPage(page: Page, login: { host: string; email: string; password: string }, port: number): Promise<string> {
  const base = `http://${login.host}:${port}`;
  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', login.email);
  await page.fill('input[name=password]', login.password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.click('button[type=submit]')]);
  return base;
}

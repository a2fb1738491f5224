import { type Browser, chromium } from 'playwright-core';

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

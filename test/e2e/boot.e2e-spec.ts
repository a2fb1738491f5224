import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './create-test-app';

/** The compiled server (npm test builds first) refuses to start on bad settings, naming the key or plugin. */
function boot(env: Record<string, string>) {
  const result = spawnSync(process.execPath, [join(ROOT, 'dist/apps/server/src/main.js')], {
    env: { PATH: process.env.PATH, DATA_DIR: mkdtempSync(join(tmpdir(), 'tero-boot-')), LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: result.status, stderr: result.stderr };
}

describe('boot refuses bad configuration', () => {
  it('names an invalid instance setting and exits non-zero', () => {
    const { code, stderr } = boot({ PORT: 'eighty', DATABASE_URL: 'mysql://x' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/PORT: /);
    expect(stderr).toMatch(/DATABASE_URL: must be a postgres/);
  });

  it('refuses production without its secrets', () => {
    const { code, stderr } = boot({ NODE_ENV: 'production' });
    expect(code).toBe(1);
    expect(stderr).toContain('APP_SECRET');
  });

  it('names an enabled plugin that does not exist', () => {
    const { code, stderr } = boot({ PLUGINS: 'email-smtp,payment-nowhere' });
    expect(code).toBe(1);
    expect(stderr).toContain('payment-nowhere');
  });

  it('names a plugin setting that fails its schema', () => {
    const { code, stderr } = boot({ EMAIL_SMTP_POOL: 'maybe' });
    expect(code).toBe(1);
    expect(stderr).toContain('EMAIL_SMTP_POOL');
  });
});

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

describe('tero CLI', () => {
  function tero(args: string[], env: Record<string, string> = {}) {
    const result = spawnSync(process.execPath, [join(ROOT, 'dist/apps/cli/src/main.js'), ...args], {
      env: { PATH: process.env.PATH, DATA_DIR: mkdtempSync(join(tmpdir(), 'tero-cli-')), ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('`tero plugins` lists email-smtp as enabled', () => {
    const { code, stdout } = tero(['plugins']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/email-smtp\s+0\.1\.0\s+email\s+local\s+enabled/);
  });

  it('`tero plugins` fails naming a plugin enabled but missing', () => {
    const { code, stdout } = tero(['plugins'], { PLUGINS: 'email-smtp,nowhere' });
    expect(code).toBe(1);
    expect(stdout).toContain('enabled in PLUGINS but not found: nowhere');
  });

  it('`tero lint --fatal` passes on the repository’s packs, themes and locales', () => {
    const { code, stdout } = tero(['lint', '--fatal']);
    expect(code).toBe(0);
    expect(stdout).toContain('0 error(s)');
  });

  it('`tero migrate` then `tero brand create` validates its input', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tero-cli-'));
    expect(tero(['migrate'], { DATA_DIR: dataDir }).stdout).toMatch(/applied \d+ migration\(s\): Migration20261123000000Initial, /);
    const bad = tero(['brand', 'create', '--name', 'Acme', '--slug', 'Not A Slug', '--support-email', 'x', '--sender-email', 'y@acme.example'], { DATA_DIR: dataDir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/slug: .*DNS label/);
    expect(bad.stderr).toMatch(/supportEmail/);
    const good = tero(['brand', 'create', '--name', 'Acme', '--slug', 'acme', '--support-email', 'x@acme.example', '--sender-email', 'y@acme.example'], { DATA_DIR: dataDir });
    expect(good.stdout).toContain('brand acme created');
  });
});

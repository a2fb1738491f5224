import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, parseInstanceConfig } from './instance-config';
import { loadInstanceConfig } from './load-config';

describe('loadInstanceConfig', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'tero-config-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('works with no .env and no environment: defaults, DATA_DIR under cwd, generated secrets', () => {
    const config = loadInstanceConfig({}, { cwd });
    expect(config.PORT).toBe(3000);
    expect(config.DATA_DIR).toBe(join(cwd, 'data'));
    expect(config.APP_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(loadInstanceConfig({}, { cwd }).ENCRYPTION_KEYS).toBe(config.ENCRYPTION_KEYS);
  });

  it('reads .env, with the real environment winning and empty variables counting as unset', () => {
    writeFileSync(join(cwd, '.env'), ['PORT=4000', 'HOST=127.0.0.1', 'LOG_LEVEL=debug', 'DATA_DIR=var/tero', '# comment', ''].join('\n'));
    const config = loadInstanceConfig({ PORT: '5000', LOG_LEVEL: '' }, { cwd });
    expect(config.PORT).toBe(5000);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.LOG_LEVEL).toBe('debug');
    expect(config.DATA_DIR).toBe(join(cwd, 'var', 'tero'));
  });

  it('takes the public URL, when none is set, on localhost at the port it listens on', () => {
    expect(loadInstanceConfig({}, { cwd }).PUBLIC_URL).toBe('http://localhost:3000');
    expect(loadInstanceConfig({ PORT: '8080' }, { cwd }).PUBLIC_URL).toBe('http://localhost:8080');
    expect(loadInstanceConfig({ PORT: '8080', PUBLIC_URL: 'https://voice.example.com' }, { cwd }).PUBLIC_URL).toBe('https://voice.example.com');
    expect(loadInstanceConfig({ PORT: '0' }, { cwd }).PUBLIC_URL).toBe('http://localhost:3000');
  });

  it('keeps an absolute DATA_DIR as given', () => {
    const dataDir = join(cwd, 'elsewhere');
    expect(loadInstanceConfig({ DATA_DIR: dataDir }, { cwd: join(cwd, 'x') }).DATA_DIR).toBe(dataDir);
  });

  it('refuses bad values from .env naming the key', () => {
    writeFileSync(join(cwd, '.env'), 'PORT=99999\n');
    expect(() => loadInstanceConfig({}, { cwd })).toThrow(ConfigError);
    expect(() => loadInstanceConfig({}, { cwd })).toThrow(/PORT/);
  });

  it('in production takes secrets only from the environment or .env', () => {
    expect(() => loadInstanceConfig({ NODE_ENV: 'production' }, { cwd })).toThrow(/APP_SECRET: is required in production/);
    const keys = `k1:${randomBytes(32).toString('base64')}`;
    writeFileSync(join(cwd, '.env'), `APP_SECRET=${'p'.repeat(40)}\nENCRYPTION_KEYS=${keys}\n`);
    const config = loadInstanceConfig({ NODE_ENV: 'production' }, { cwd });
    expect(config.ENCRYPTION_KEYS).toBe(keys);
    expect(config.APP_SECRET).toBe('p'.repeat(40));
  });
});

describe('JAMBONZ_API_TIMEOUT_MS', () => {
  it('defaults to 10 s and refuses what is not a whole number of milliseconds from 100 to 120000, naming the key', () => {
    expect(parseInstanceConfig({}).JAMBONZ_API_TIMEOUT_MS).toBe(10_000);
    expect(parseInstanceConfig({ JAMBONZ_API_TIMEOUT_MS: '750' }).JAMBONZ_API_TIMEOUT_MS).toBe(750);
    for (const bad of ['0', '99', '1.5', 'soon', '120001']) {
      expect(() => parseInstanceConfig({ JAMBONZ_API_TIMEOUT_MS: bad })).toThrow(ConfigError);
      expect(() => parseInstanceConfig({ JAMBONZ_API_TIMEOUT_MS: bad })).toThrow(/JAMBONZ_API_TIMEOUT_MS: must be/);
    }
  });
});

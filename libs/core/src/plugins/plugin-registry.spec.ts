import { resolve } from 'node:path';
import { EMAIL, PluginConfigError, TeroError, definePort, type EmailTransport, type TenantContext } from '@tero/sdk';
import { loadPlugins } from './plugin-loader';
import { PluginRegistry, canonicalJson } from './plugin-registry';
import { InMemoryTenantPluginConfigSource } from './tenant-plugin-config';

const fixtures = resolve(__dirname, '../../../../test/fixtures');
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const loaded = loadPlugins({
  rootDir: fixtures,
  enabled: ['good', 'mail-relay'],
  env: { GOOD_FROM: 'instance@x.test', MAIL_RELAY_URL: 'smtp://127.0.0.1:2525' },
  coreVersion: '0.1.0',
  logger: silent,
});

const brand: TenantContext = { brandId: 'brand-1', clientId: null, locale: 'en' };
const dentist: TenantContext = { brandId: 'brand-1', clientId: 'client-1', locale: 'en' };
const plumber: TenantContext = { brandId: 'brand-1', clientId: 'client-2', locale: 'en' };
const SMS = definePort<unknown>('sms', 1);

async function messageIdOf(transport: EmailTransport, ctx: TenantContext): Promise<string> {
  const receipt = await transport.send(ctx, { from: 'a@x.test', to: ['b@x.test'], subject: 's', text: 't' });
  return receipt.messageId;
}

async function rejection(promise: Promise<unknown>): Promise<TeroError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: TeroError) => error,
  );
}

describe('PluginRegistry', () => {
  let settings: InMemoryTenantPluginConfigSource;
  let registry: PluginRegistry;
  beforeEach(() => {
    settings = new InMemoryTenantPluginConfigSource();
    registry = new PluginRegistry(loaded, settings);
  });

  it('builds a provider from the instance config when the tenant has no settings', async () => {
    const transport = await registry.get(EMAIL, dentist, 'good');
    expect(await messageIdOf(transport, dentist)).toBe('instance@x.test|no-key|1');
  });

  it("lays the tenant's settings over the instance config, without tenant-schema defaults hiding instance values", async () => {
    settings.set(brand, 'good', { apiKey: 'brand-key-123' });
    settings.set(dentist, 'good', { from: 'dentist@x.test' });
    expect(await messageIdOf(await registry.get(EMAIL, dentist, 'good'), dentist)).toBe('dentist@x.test|brand-key-123|1');
    expect(await messageIdOf(await registry.get(EMAIL, plumber, 'good'), plumber)).toBe('instance@x.test|brand-key-123|1');
  });

  it('reuses one instance for one effective configuration', async () => {
    settings.set(brand, 'good', { apiKey: 'brand-key-123' });
    const first = await registry.get(EMAIL, dentist, 'good');
    expect(await registry.get(EMAIL, dentist, 'good')).toBe(first);
    // Another client of the brand with the same effective settings shares it too.
    expect(await registry.get(EMAIL, plumber, 'good')).toBe(first);
  });

  it('builds a new instance as soon as the tenant rotates a key, with no restart', async () => {
    settings.set(dentist, 'good', { apiKey: 'old-key-1234' });
    const before = await registry.get(EMAIL, dentist, 'good');
    settings.set(dentist, 'good', { apiKey: 'new-key-5678' });
    const after = await registry.get(EMAIL, dentist, 'good');
    expect(after).not.toBe(before);
    expect(await messageIdOf(after, dentist)).toBe('instance@x.test|new-key-5678|1');
  });

  it('keeps only the most recently used instances', async () => {
    const small = new PluginRegistry(loaded, settings, { cacheSize: 2 });
    const withKey = async (apiKey: string) => {
      settings.set(dentist, 'good', { apiKey });
      return small.get(EMAIL, dentist, 'good');
    };
    const a = await withKey('key-aaaaaaaa');
    const b = await withKey('key-bbbbbbbb');
    expect(await withKey('key-aaaaaaaa')).toBe(a); // a is now the most recent
    await withKey('key-cccccccc'); // evicts b, the least recently used
    expect(await withKey('key-aaaaaaaa')).toBe(a);
    expect(await withKey('key-bbbbbbbb')).not.toBe(b);
  });

  it('refuses tenant settings that break the schema, naming the key', async () => {
    settings.set(dentist, 'good', { apiKey: 'short' });
    const error = await rejection(registry.get(EMAIL, dentist, 'good'));
    expect(error).toBeInstanceOf(PluginConfigError);
    expect(error.message).toBe('plugin "good": config key "apiKey" must NOT have fewer than 8 characters');

    settings.set(dentist, 'good', { from: 'x@x.test' });
    expect((await rejection(registry.get(EMAIL, dentist, 'good'))).message).toBe(
      'plugin "good": config key "apiKey" is required',
    );

    settings.set(dentist, 'good', { apiKey: 'long-enough', colour: 'red' });
    expect((await rejection(registry.get(EMAIL, dentist, 'good'))).message).toBe(
      'plugin "good": config key "colour" is not a known setting',
    );
  });

  it('does not let validation change the stored settings', async () => {
    const stored = { apiKey: 'brand-key-123' };
    settings.set(brand, 'good', stored);
    await registry.get(EMAIL, brand, 'good');
    expect(stored).toEqual({ apiKey: 'brand-key-123' });
  });

  it('refuses a plugin that is not enabled, or unknown', async () => {
    for (const id of ['throws-on-load', 'nope']) {
      const error = await rejection(registry.get(EMAIL, dentist, id));
      expect(error).toBeInstanceOf(TeroError);
      expect(error.code).toBe('plugin.not_enabled');
      expect(error.message).toBe(`plugin "${id}" is not enabled on this instance`);
      expect(error.options.status).toBe(400);
    }
  });

  it('refuses a port the plugin does not provide, or provides in another version', async () => {
    const missing = await rejection(registry.get(SMS, dentist, 'good'));
    expect(missing.code).toBe('plugin.port_missing');
    expect(missing.message).toBe('plugin "good" does not provide port "sms"');
    const v2 = await rejection(registry.get(definePort<EmailTransport>('email', 2), dentist, 'good'));
    expect(v2.code).toBe('plugin.port_missing');
    expect(v2.message).toBe('plugin "good" does not provide port "email" version 2 (it implements version 1)');
  });

  it('lists the enabled plugins providing a port, and reports what was found', () => {
    expect(registry.list(EMAIL)).toEqual(['good', 'mail-relay']);
    expect(registry.list(SMS)).toEqual([]);
    const report = registry.report();
    expect(report.discovered.filter((plugin) => plugin.enabled).map((plugin) => plugin.id)).toEqual(['mail-relay', 'good']);
    expect(report.rejected.map((plugin) => plugin.id)).toContain('incompatible');
  });
});

describe('InMemoryTenantPluginConfigSource', () => {
  it("lays a client's settings over its brand's, key by key", async () => {
    const source = new InMemoryTenantPluginConfigSource();
    expect(await source.get(dentist, 'good')).toBeNull();
    source.set(brand, 'good', { apiKey: 'brand', from: 'brand@x.test' });
    source.set(dentist, 'good', { apiKey: 'client' });
    expect(await source.get(dentist, 'good')).toEqual({ apiKey: 'client', from: 'brand@x.test' });
    expect(await source.get(brand, 'good')).toEqual({ apiKey: 'brand', from: 'brand@x.test' });
    expect(await source.get({ ...dentist, brandId: 'brand-2' }, 'good')).toBeNull();
  });
});

describe('canonicalJson', () => {
  it('gives equal text for equal objects whatever their key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
  });
});

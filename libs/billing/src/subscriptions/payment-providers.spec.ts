import { InMemoryTenantPluginConfigSource, PluginRegistry } from '@tero/core';
import { TeroError, type TenantContext } from '@tero/sdk';
import { PaymentProviders } from './payment-providers';
import { FakePaymentProvider, FakePaymentVendor, fakePaymentPlugin, loadedPlugins } from './testing/fake-payment-provider';

const brand: TenantContext = { brandId: 'brand-a', clientId: null, locale: 'en' };
const client: TenantContext = { brandId: 'brand-a', clientId: 'client-1', locale: 'fr' };

async function caught(run: () => Promise<unknown>): Promise<TeroError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof TeroError) return error;
    throw error;
  }
  throw new Error('expected the call to throw, it resolved');
}

describe('PaymentProviders', () => {
  const vendor = new FakePaymentVendor('v');
  const price = { planId: 'p', planCode: 'starter', name: 'Starter (monthly)', interval: 'month' as const, amountMinor: 100, currency: 'USD', priceKey: 'p:month:100:USD' };

  function setUp(instanceDefaults: Record<string, unknown> = {}) {
    const plugins = loadedPlugins(fakePaymentPlugin('payment-one', vendor), fakePaymentPlugin('payment-two', vendor, instanceDefaults));
    const settings = new InMemoryTenantPluginConfigSource();
    return { settings, providers: new PaymentProviders({ registry: new PluginRegistry(plugins, settings), plugins, settings }) };
  }

  it("lists the enabled payment plugins and whether the brand has set each up, or the instance supplies its credentials", async () => {
    const { settings, providers } = setUp({ apiKey: 'instance-key', webhookSecret: 'instance-secret' });
    expect(await providers.list(brand)).toEqual([
      { pluginId: 'payment-one', displayName: 'Fake payment-one', configured: false, isDefault: false },
      { pluginId: 'payment-two', displayName: 'Fake payment-two', configured: true, isDefault: false },
    ]);
    settings.set({ brandId: 'brand-a' }, 'payment-one', { apiKey: 'brand-key', webhookSecret: 's' });
    expect((await providers.list(client, { defaultProvider: 'payment-one' }))[0]).toMatchObject({ configured: true, isDefault: true });
    expect((await providers.list({ ...brand, brandId: 'brand-b' }))[0]!.configured).toBe(false);
  });

  it('instance settings with only some credentials do not count as set up', async () => {
    const { providers } = setUp({ apiKey: 'instance-key' });
    expect(await providers.isAvailable(brand, 'payment-two')).toBe(false);
    expect((await caught(() => providers.forBrand(brand, 'payment-two'))).code).toBe('billing.provider_unavailable');
  });

  it("resolves the brand's provider, never a client's settings, and a rotated key is used at once", async () => {
    const { settings, providers } = setUp();
    settings.set({ brandId: 'brand-a' }, 'payment-one', { apiKey: 'first', webhookSecret: 's' });
    // A client's own settings must not redirect its payments.
    settings.set({ brandId: 'brand-a', clientId: 'client-1' }, 'payment-one', { apiKey: 'client-key' });
    const first = await providers.forBrand(client, 'payment-one');
    expect((first as FakePaymentProvider).config.apiKey).toBe('first');
    expect(await first.ensurePrice(client, price)).toMatchObject({ priceKey: price.priceKey });
    expect(await providers.forBrand(client, 'payment-one')).toBe(first);
    settings.set({ brandId: 'brand-a' }, 'payment-one', { apiKey: 'rotated', webhookSecret: 's' });
    expect(((await providers.forBrand(client, 'payment-one')) as FakePaymentProvider).config.apiKey).toBe('rotated');
  });

  it('refuses a plugin that is not enabled, or whose stored settings no longer validate, naming it', async () => {
    const { settings, providers } = setUp();
    expect(await caught(() => providers.forBrand(brand, 'payment-three'))).toMatchObject({ code: 'billing.provider_unavailable', params: { provider: 'payment-three', reason: 'not enabled on this instance' } });
    settings.set({ brandId: 'brand-a' }, 'payment-one', { apiKey: '', webhookSecret: 's' });
    const invalid = await caught(() => providers.forBrand(brand, 'payment-one', 404));
    expect(invalid.code).toBe('billing.provider_unavailable');
    expect(invalid.options.status).toBe(404);
    expect(invalid.message).toContain('apiKey');
  });
});

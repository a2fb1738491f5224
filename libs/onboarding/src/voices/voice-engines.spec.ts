import { ConfigError, InMemoryTenantPluginConfigSource, type LoadedPlugins, type PluginRegistry } from '@tero/core';
import type { TenantContext } from '@tero/sdk';
import { VoiceEngines } from './voice-engines';

const tenantConfig = { type: 'object', properties: { apiKey: { type: 'string', writeOnly: true } } };
/** Two enabled voice plugins: `voice-a` without an instance key, `voice-b` with one. */
function setup(preferred: string | null = null) {
  const plugins = {
    plugins: [
      { manifest: { id: 'voice-a', tenantConfig }, instanceConfig: {} },
      { manifest: { id: 'voice-b', tenantConfig }, instanceConfig: { apiKey: 'instance-key' } },
    ],
  } as unknown as LoadedPlugins;
  const registry = { list: () => ['voice-a', 'voice-b'] } as unknown as PluginRegistry;
  const settings = new InMemoryTenantPluginConfigSource();
  return { settings, engines: () => new VoiceEngines({ registry, plugins, settings, preferred }) };
}
const ctx: TenantContext = { brandId: 'brand-1', clientId: 'client-1', locale: 'en' };

describe('VoiceEngines', () => {
  it('takes the first enabled voice plugin configured for the client', async () => {
    const { settings, engines } = setup();
    expect(await engines().choose(ctx)).toBe('voice-b');
    settings.set({ brandId: 'brand-1' }, 'voice-a', { apiKey: 'brand-key' });
    expect(await engines().choose(ctx)).toBe('voice-a');
  });

  it('uses only VOICE_ENGINE when it is set, and nothing when that plugin is not configured', async () => {
    expect(await setup('voice-b').engines().choose(ctx)).toBe('voice-b');
    const { settings, engines } = setup('voice-a');
    expect(await engines().choose(ctx)).toBeNull();
    settings.set({ brandId: 'brand-1', clientId: 'client-1' }, 'voice-a', { apiKey: 'own-key' });
    expect(await engines().choose(ctx)).toBe('voice-a');
  });

  it('stops the boot naming VOICE_ENGINE when it names no enabled voice plugin', () => {
    const { engines } = setup('voice-z');
    expect(engines).toThrow(ConfigError);
    expect(engines).toThrow(/VOICE_ENGINE: "voice-z" is not an enabled plugin providing voices \(enabled: voice-a, voice-b\)/);
  });
});

/**
 * Integration across layers: the voice plugins loaded by core's plugin loader from environment
 * settings, resolved per tenant by the registry, talking to their local fakes. It lives under test/
 * because core must not import a plugin, not even in its specs.
 */
import { resolve } from 'node:path';
import { InMemoryTenantPluginConfigSource, loadPlugins, PluginRegistry } from '@tero/core';
import { TeroError, VOICE, type TenantContext, type VoiceEngine } from '@tero/sdk';
import { pcmWav } from '@tero/sdk/testing';
import { FakeCartesiaServer } from '../../plugins/voice-cartesia/src/testing';
import { FakeElevenLabsServer } from '../../plugins/voice-elevenlabs/src/testing';
import rootPackage from '../../package.json';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const brandCtx: TenantContext = { brandId: 'brand-1', clientId: null, locale: 'en', requestId: 'req-1' };
const clientCtx: TenantContext = { brandId: 'brand-1', clientId: 'client-1', locale: 'en', requestId: 'req-2' };
const otherBrandCtx: TenantContext = { brandId: 'brand-2', clientId: 'client-9', locale: 'en', requestId: 'req-3' };
const samples = [{ filename: 'owner-1.wav', contentType: 'audio/wav' as const, data: pcmWav(0.25), durationSeconds: 0.25 }];

async function failure(run: Promise<unknown>): Promise<TeroError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TeroError);
  return error as TeroError;
}

describe('voice plugins through the plugin loader and registry', () => {
  let elevenlabs: FakeElevenLabsServer;
  let cartesia: FakeCartesiaServer;

  beforeEach(async () => {
    elevenlabs = await FakeElevenLabsServer.start({ apiKey: 'xi-client-key' });
    cartesia = await FakeCartesiaServer.start({ apiKey: 'sk_car_brand' });
  });
  afterEach(async () => {
    await elevenlabs.stop();
    await cartesia.stop();
  });

  function registry(env: Record<string, string>, settings: InMemoryTenantPluginConfigSource): PluginRegistry {
    const loaded = loadPlugins({
      rootDir: resolve(__dirname, '../..'),
      enabled: ['voice-elevenlabs', 'voice-cartesia'],
      env: { VOICE_ELEVENLABS_BASE_URL: elevenlabs.baseUrl, VOICE_CARTESIA_BASE_URL: cartesia.baseUrl, ...env },
      coreVersion: rootPackage.version,
      logger: silent,
    });
    return new PluginRegistry(loaded, settings);
  }

  it('loads with no key at all, and every tenant then gets voice.not_configured without a request', async () => {
    const plugins = registry({}, new InMemoryTenantPluginConfigSource());

    expect(plugins.list(VOICE)).toEqual(['voice-elevenlabs', 'voice-cartesia']);
    for (const id of ['voice-elevenlabs', 'voice-cartesia']) {
      const engine = await plugins.get<VoiceEngine>(VOICE, clientCtx, id);
      const error = await failure(engine.cloneVoice(clientCtx, { name: 'x', language: 'en', samples }));
      expect({ id, code: error.code }).toEqual({ id, code: 'voice.not_configured' });
    }
    expect(elevenlabs.requestCount() + cartesia.requestCount()).toBe(0);
  });

  it("uses the client's key over its brand's over the instance's, and another brand's key never", async () => {
    const settings = new InMemoryTenantPluginConfigSource();
    settings.set({ brandId: 'brand-1' }, 'voice-elevenlabs', { apiKey: 'xi-brand-key' });
    settings.set({ brandId: 'brand-1', clientId: 'client-1' }, 'voice-elevenlabs', { apiKey: 'xi-client-key' });
    settings.set({ brandId: 'brand-1' }, 'voice-cartesia', { apiKey: 'sk_car_brand' });
    const plugins = registry({ VOICE_ELEVENLABS_API_KEY: 'xi-instance-key', VOICE_CARTESIA_API_KEY: 'sk_car_instance' }, settings);

    const clientEleven = await plugins.get<VoiceEngine>(VOICE, clientCtx, 'voice-elevenlabs');
    await clientEleven.cloneVoice(clientCtx, { name: 'client', language: 'en', samples });
    const brandEleven = await plugins.get<VoiceEngine>(VOICE, brandCtx, 'voice-elevenlabs');
    const brandRefused = await failure(brandEleven.cloneVoice(brandCtx, { name: 'brand', language: 'en', samples }));
    const clientCartesia = await plugins.get<VoiceEngine>(VOICE, clientCtx, 'voice-cartesia');
    await clientCartesia.cloneVoice(clientCtx, { name: 'client', language: 'en', samples });
    const otherCartesia = await plugins.get<VoiceEngine>(VOICE, otherBrandCtx, 'voice-cartesia');
    const otherRefused = await failure(otherCartesia.cloneVoice(otherBrandCtx, { name: 'other', language: 'en', samples }));

    expect(elevenlabs.exchanges.map((exchange) => exchange.headers['xi-api-key'])).toEqual(['xi-client-key', 'xi-brand-key']);
    expect(brandRefused).toMatchObject({ code: 'voice.rejected', params: { status: 401 } });
    expect(cartesia.exchanges.map((exchange) => exchange.headers['x-api-key'])).toEqual(['sk_car_brand', 'sk_car_instance']);
    expect(otherRefused).toMatchObject({ code: 'voice.rejected', params: { status: 401 } });
    expect(elevenlabs.voices().map((voice) => voice.name)).toEqual(['client']);
    expect(cartesia.voices().map((voice) => voice.name)).toEqual(['client']);
  });

  it('refuses a tenant setting other than the key', async () => {
    const settings = new InMemoryTenantPluginConfigSource();
    settings.set({ brandId: 'brand-1' }, 'voice-cartesia', { apiKey: 'sk_car_brand', baseUrl: 'http://169.254.169.254' });
    const plugins = registry({}, settings);

    const error = await failure(plugins.get<VoiceEngine>(VOICE, brandCtx, 'voice-cartesia'));

    expect(error).toMatchObject({ code: 'plugin.config_invalid', params: { pluginId: 'voice-cartesia', key: 'baseUrl' } });
  });
});

import { PluginConfigError } from './errors';
import { httpUrlSetting, positiveIntegerSetting } from './plugin-settings';

describe('plugin settings checks', () => {
  it('takes http and https URLs and refuses others, naming plugin, key and an example', () => {
    expect(httpUrlSetting('voice-x', 'baseUrl', 'https://api.x.example/v1/', 'https://api.x.example').pathname).toBe('/v1/');
    expect(httpUrlSetting('voice-x', 'baseUrl', 'http://127.0.0.1:9', 'https://api.x.example').port).toBe('9');
    for (const bad of ['ftp://api.x.example', 'api.x.example', '']) {
      let caught: unknown;
      try {
        httpUrlSetting('voice-x', 'baseUrl', bad, 'https://api.x.example');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PluginConfigError);
      expect((caught as Error).message).toBe('plugin "voice-x": config key "baseUrl" must be an http(s) URL such as https://api.x.example');
    }
  });

  it('takes a positive whole number or nothing', () => {
    expect(positiveIntegerSetting('voice-x', 'timeoutMs', 1500)).toBe(1500);
    expect(positiveIntegerSetting('voice-x', 'timeoutMs', undefined)).toBeUndefined();
    for (const bad of [0, -5, 1.5, Number.NaN]) {
      expect(() => positiveIntegerSetting('voice-x', 'timeoutMs', bad)).toThrow('plugin "voice-x": config key "timeoutMs" must be a positive integer');
    }
  });
});

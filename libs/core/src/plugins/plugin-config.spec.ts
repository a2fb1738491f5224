import { PluginConfigError } from '@tero/sdk';
import { compileConfigSchema, envKeyFor, mergeTenantConfig, upperSnake } from './plugin-config';

describe('envKeyFor', () => {
  it.each([
    ['email-smtp', 'url', 'EMAIL_SMTP_URL'],
    ['email-smtp', 'poolSize', 'EMAIL_SMTP_POOL_SIZE'],
    ['crm-hubspot', 'baseURL', 'CRM_HUBSPOT_BASE_URL'],
    ['calendar-google', 'oauth2ClientId', 'CALENDAR_GOOGLE_OAUTH2_CLIENT_ID'],
    ['llm-openai', 'api_key', 'LLM_OPENAI_API_KEY'],
  ])('%s + %s → %s', (pluginId, key, envKey) => {
    expect(envKeyFor(pluginId, key)).toBe(envKey);
  });

  it('upper-snakes kebab and camel case alike', () => {
    expect(upperSnake('voice-eleven-labs')).toBe('VOICE_ELEVEN_LABS');
    expect(upperSnake('HTTPTimeoutMs')).toBe('HTTP_TIMEOUT_MS');
  });
});

describe('mergeTenantConfig', () => {
  const validate = compileConfigSchema({
    type: 'object',
    properties: { port: { type: 'integer' }, region: { type: 'string', default: 'eu' }, key: { type: 'string' } },
    additionalProperties: false,
  });
  if (typeof validate === 'string') throw new Error(validate);

  it('coerces tenant values and lays them over instance values', () => {
    expect(mergeTenantConfig('p', validate, { port: 25, host: 'h' }, { port: '587', key: 'k' })).toEqual({
      port: 587,
      host: 'h',
      region: 'eu',
      key: 'k',
    });
  });

  it('keeps an instance value over a tenant-schema default the tenant did not choose', () => {
    expect(mergeTenantConfig('p', validate, { region: 'us' }, {})).toEqual({ region: 'us' });
    expect(mergeTenantConfig('p', validate, { region: 'us' }, { region: 'ap' })).toEqual({ region: 'ap' });
  });

  it('names the tenant key at fault', () => {
    expect(() => mergeTenantConfig('p', validate, {}, { port: 'twenty' })).toThrow(
      new PluginConfigError('p', 'port', 'must be integer'),
    );
  });
});

import { Keyring, generateEncryptionKey } from '@tero/core';
import { TEST_CALL_ENV_VAR, TEST_CALL_MARKER_TTL_SECONDS, TestCallMarker } from './test-call-marker';

describe('TestCallMarker', () => {
  const keyring = Keyring.fromConfig(generateEncryptionKey('k1'));
  let now = Date.UTC(2026, 2, 9, 15, 0, 0);
  const marker = new TestCallMarker(keyring, () => now);
  const call = { from: '+15550100111', to: '+15550100100' };
  const envOf = (token: string) => ({ [TEST_CALL_ENV_VAR]: token });

  beforeEach(() => {
    now = Date.UTC(2026, 2, 9, 15, 0, 0);
  });

  it('recognises its own marker for the same numbers, written as jambonz may write them', () => {
    const token = marker.seal(call);
    expect(marker.isTestCall(envOf(token), call)).toBe(true);
    expect(marker.isTestCall(envOf(token), { from: '15550100111', to: 'sip:+15550100100@127.0.0.1' })).toBe(true);
  });

  it('refuses a marker for another dialled number or another caller', () => {
    const token = marker.seal(call);
    expect(marker.isTestCall(envOf(token), { ...call, to: '+15550200200' })).toBe(false);
    expect(marker.isTestCall(envOf(token), { ...call, from: '+15557770001' })).toBe(false);
  });

  it('refuses an expired marker', () => {
    const token = marker.seal(call);
    now += (TEST_CALL_MARKER_TTL_SECONDS + 1) * 1000;
    expect(marker.isTestCall(envOf(token), call)).toBe(false);
  });

  it('refuses what a jambonz account holder could put in env_vars: any value, or another instance\'s marker', () => {
    const other = new TestCallMarker(Keyring.fromConfig(generateEncryptionKey('k1')), () => now);
    for (const value of ['1', 'true', other.seal(call), `${marker.seal(call)}x`, 42, null]) {
      expect(marker.isTestCall({ [TEST_CALL_ENV_VAR]: value }, call)).toBe(false);
    }
    expect(marker.isTestCall(undefined, call)).toBe(false);
    expect(marker.isTestCall('TERO_TEST_CALL', call)).toBe(false);
  });
});

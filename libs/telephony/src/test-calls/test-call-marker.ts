import type { Keyring } from '@tero/core';
import { normalizeNumber } from '../call-directory';

/**
 * The `env_vars` key of the call hook that carries a test call's marker. jambonz sends an application's
 * environment variables in `env_vars`; our own simulator sets this one, and nothing jambonz-side can
 * make a valid value (see {@link TestCallMarker}).
 */
export const TEST_CALL_ENV_VAR = 'TERO_TEST_CALL';

/** Seconds a marker stays valid: it only has to reach the call hook, which is the simulator's first request. */
export const TEST_CALL_MARKER_TTL_SECONDS = 300;

/**
 * Marks a call placed by a client owner through "talk to your agent" so that it is recorded like any
 * call but not billed. The marker is sealed with the instance's encryption keyring (AES-GCM, bound to
 * the dialled and calling numbers and an expiry), so only this instance can make one: a jambonz
 * account holder who sets `env_vars` in their application, or a caller who sends SIP headers, cannot
 * make their real calls free. It is checked once, on the call hook; the call session remembers it.
 */
export class TestCallMarker {
  constructor(
    private readonly keyring: Keyring,
    private readonly now: () => number = Date.now,
  ) {}

  /** A marker for one call from `from` to `to`, valid for {@link TEST_CALL_MARKER_TTL_SECONDS}. */
  seal(call: { from: string; to: string }): string {
    const exp = Math.floor(this.now() / 1000) + TEST_CALL_MARKER_TTL_SECONDS;
    return this.keyring.encryptJson({ exp, from: normalizeNumber(call.from) }, aadOf(call.to));
  }

  /** Whether the call hook's `env_vars` carry a valid, unexpired marker for this very call. Never throws. */
  isTestCall(envVars: unknown, call: { from: string; to: string }): boolean {
    const token = envVars && typeof envVars === 'object' ? (envVars as Record<string, unknown>)[TEST_CALL_ENV_VAR] : undefined;
    if (typeof token !== 'string' || token.length > 1_000) return false;
    try {
      const sealed = this.keyring.decryptJson<{ exp?: unknown; from?: unknown }>(token, aadOf(call.to));
      return typeof sealed.exp === 'number' && sealed.exp * 1000 > this.now() && sealed.from === normalizeNumber(call.from);
    } catch {
      return false;
    }
  }
}

function aadOf(to: string): string {
  return `test-call:${normalizeNumber(to)}`;
}

import 'reflect-metadata';
import { ValidationError } from '@tero/accounts';
import { AgentProfile } from '@tero/db';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { JambonzApiClient } from '../jambonz-api/jambonz-api.client';
import { FakeJambonzServer } from '../testing';
import { type ProvisioningWorld, provisioningWorld } from './provisioning-world.testing';
import { BRAND_SPEECH_LABEL, obscuredLikeJambonz, speechLabelFor } from './speech-credentials.service';

describe('SpeechCredentialsService against the fake jambonz', () => {
  let t: TestDatabase;
  let fake: FakeJambonzServer;
  let w: ProvisioningWorld;
  const clock = new Date('2026-04-01T09:00:00Z');

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    fake = await FakeJambonzServer.start();
  });
  afterAll(async () => {
    await fake.close();
    await t.drop();
  });
  beforeEach(async () => {
    w = await provisioningWorld(t.db, fake, { clock: () => clock });
  });

  const voiceOf = async (clientId: string) => (await t.db.forTenant({ ...w.ctx, clientId }).findOneOrFail(AgentProfile, { client: clientId })).voice;
  const credentials = () => fake.speechCredentials(w.accountSid);

  it('labels: tero-<client slug> within 64 characters, the brand apart', () => {
    expect(speechLabelFor('dental')).toBe('tero-dental');
    const long = speechLabelFor('a'.repeat(63));
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/^tero-a+-[0-9a-f]{8}$/);
    expect(speechLabelFor('a'.repeat(63))).not.toBe(speechLabelFor(`${'a'.repeat(62)}b`));
    expect(speechLabelFor(null)).toBe(BRAND_SPEECH_LABEL);
    expect(obscuredLikeJambonz('sk_0123456789')).toBe('sk_012XXXXXXX');
  });

  it("pushes a client's ElevenLabs key under its label, and its agent's voice selects that label", async () => {
    const pushed = await w.speech.push(w.ctx, { clientId: w.dental.id, vendor: 'elevenlabs', apiKey: 'sk_dental_key_0001' });
    expect(pushed).toMatchObject({ label: 'tero-dental', action: 'created', profileLabelled: true });
    expect(credentials()).toEqual([
      expect.objectContaining({ speech_credential_sid: pushed.sid, vendor: 'elevenlabs', label: 'tero-dental', api_key: 'sk_dental_key_0001', model_id: 'eleven_flash_v2_5', use_for_tts: 1, use_for_stt: 0 }),
    ]);
    expect(await voiceOf(w.dental.id)).toEqual({ vendor: 'elevenlabs', voiceId: 'voice-of-the-owner', label: 'tero-dental' });

    // The same key again changes nothing; a new model is an update that keeps the stored key.
    const mark = fake.requests.length;
    expect(await w.speech.push(w.ctx, { clientId: w.dental.id, vendor: 'elevenlabs', apiKey: 'sk_dental_key_0001' })).toMatchObject({ action: 'unchanged', sid: pushed.sid });
    expect(fake.requests.slice(mark).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await w.speech.push(w.ctx, { clientId: w.dental.id, vendor: 'elevenlabs', apiKey: 'sk_dental_key_0001', modelId: 'eleven_turbo_v2_5' })).toMatchObject({
      action: 'updated',
      sid: pushed.sid,
    });
    expect(credentials()).toEqual([expect.objectContaining({ api_key: 'sk_dental_key_0001', model_id: 'eleven_turbo_v2_5' })]);
  });

  it('a new key replaces the credential (jambonz cannot change a stored key), under the same label', async () => {
    const first = await w.speech.push(w.ctx, { clientId: w.dental.id, vendor: 'elevenlabs', apiKey: 'sk_dental_key_0001' });
    const second = await w.speech.push(w.ctx, { clientId: w.dental.id, vendor: 'elevenlabs', apiKey: 'sk_other_key_00002' });
    expect(second).toMatchObject({ action: 'replaced', label: 'tero-dental' });
    expect(second.sid).not.toBe(first.sid);
    expect(credentials()).toEqual([expect.objectContaining({ speech_credential_sid: second.sid, api_key: 'sk_other_key_00002' })]);

    // A key that looks the same once obscured (same first six characters and length) is replaced by rotate.
    const rotated = await w.speech.rotate(w.ctx, { clientId: w.dental.id, vendor: 'elevenlabs', apiKey: 'sk_othXXXXXXXXXXXX' });
    expect(rotated.action).toBe('replaced');
    expect(credentials()).toEqual([expect.objectContaining({ api_key: 'sk_othXXXXXXXXXXXX' })]);
  });

  it("pushes the brand's Cartesia key under the brand label, leaving agents alone", async () => {
    const pushed = await w.speech.push(w.ctx, { vendor: 'cartesia', apiKey: 'ck_brand_key_001', modelId: 'sonic-turbo' });
    expect(pushed).toMatchObject({ label: BRAND_SPEECH_LABEL, action: 'created', profileLabelled: false });
    expect(credentials()).toEqual([expect.objectContaining({ vendor: 'cartesia', label: BRAND_SPEECH_LABEL, model_id: 'sonic-turbo', api_key: 'ck_brand_key_001' })]);
    expect((await voiceOf(w.dental.id))?.label).toBeUndefined();
  });

  it("removes a credential and the agent's label; removing again deletes nothing (jambonz answers 500 to that)", async () => {
    await w.speech.push(w.ctx, { clientId: w.dental.id, vendor: 'elevenlabs', apiKey: 'sk_dental_key_0001' });
    expect(await w.speech.remove(w.ctx, { clientId: w.dental.id, vendor: 'elevenlabs' })).toEqual({ label: 'tero-dental', removed: true });
    expect(credentials()).toEqual([]);
    expect(await voiceOf(w.dental.id)).toEqual({ vendor: 'elevenlabs', voiceId: 'voice-of-the-owner' });
    const mark = fake.requests.length;
    expect(await w.speech.remove(w.ctx, { clientId: w.dental.id, vendor: 'elevenlabs' })).toEqual({ label: 'tero-dental', removed: false });
    expect(fake.requests.slice(mark).filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  it('refuses bad input and a client acting for another, changing nothing', async () => {
    await expect(w.speech.push(w.ctx, { vendor: 'google', apiKey: 'sk_dental_key_0001' })).rejects.toMatchObject({ problems: [{ field: 'vendor' }] });
    await expect(w.speech.push(w.ctx, { vendor: 'elevenlabs', apiKey: 'short' })).rejects.toMatchObject({ problems: [{ field: 'apiKey', reason: 'must be at least 8 characters' }] });
    await expect(w.speech.push(w.ctx, { clientId: 'nope', vendor: 'elevenlabs', apiKey: 'sk_dental_key_0001' })).rejects.toThrow(ValidationError);
    const asPlumber = { ...w.ctx, clientId: w.plumber.id };
    await expect(w.speech.push(asPlumber, { clientId: w.dental.id, vendor: 'elevenlabs', apiKey: 'sk_dental_key_0001' })).rejects.toMatchObject({ code: 'auth.forbidden' });
    // A client may push its own key.
    expect(await w.speech.push(asPlumber, { clientId: w.plumber.id, vendor: 'cartesia', apiKey: 'ck_plumber_key_1' })).toMatchObject({ label: 'tero-plumber', profileLabelled: false });
    expect(credentials().map((c) => c.label)).toEqual(['tero-plumber']);
  });

  it('the reconciler keeps the keys of its source in jambonz, putting back one deleted there', async () => {
    const keyed = await provisioningWorld(t.db, fake, {
      clock: () => clock,
      reconciler: { speechKeys: async () => [{ clientId: null, vendor: 'cartesia', apiKey: 'ck_brand_key_001' }] },
    });
    const listed = () => fake.speechCredentials(keyed.accountSid);
    expect(await keyed.reconciler.reconcileBrand(keyed.brand.id)).toMatchObject({ ok: true, speech: { pushed: 1, failed: 0 } });
    expect(listed()).toEqual([expect.objectContaining({ label: BRAND_SPEECH_LABEL, api_key: 'ck_brand_key_001' })]);
    expect(await keyed.reconciler.reconcileBrand(keyed.brand.id)).toMatchObject({ ok: true, speech: { pushed: 0 } });

    await new JambonzApiClient({ baseUrl: fake.url, apiKey: keyed.apiKey }).deleteSpeechCredential(keyed.accountSid, listed()[0]!.speech_credential_sid);
    expect(await keyed.reconciler.reconcileBrand(keyed.brand.id)).toMatchObject({ ok: true, speech: { pushed: 1 } });
    expect(listed()).toHaveLength(1);
  });
});

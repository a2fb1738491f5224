import 'reflect-metadata';
import { join } from 'node:path';
import { BookingLedger } from '@tero/booking';
import { ConfigError, InProcessEventBus, InProcessJobQueue, Keyring, createI18n, generateEncryptionKey, parseInstanceConfig } from '@tero/core';
import { capturingLogger } from '../../core/src/events/event-bus.testing';
import { type TestDatabase, createTestDatabase } from '../../db/src/testing';
import { BOOKING_CONFIRMATION_JOB } from './confirmations/booking-confirmations';
import { DIRECTORY_CHANGED, createTelephony, parseVoiceList } from './telephony.factory';

const secrets = { APP_SECRET: 'x'.repeat(40), ENCRYPTION_KEYS: generateEncryptionKey('k1') };

describe('call path settings', () => {
  it('reads the default voices per locale', () => {
    expect(parseVoiceList('en:en-US-Neural2-F,es:es-US-Neural2-A, fr:fr-FR-Neural2-A')).toEqual({
      en: 'en-US-Neural2-F',
      es: 'es-US-Neural2-A',
      fr: 'fr-FR-Neural2-A',
    });
  });

  it('refuses unsigned webhooks in production, and bad values anywhere, naming the key', () => {
    expect(() => parseInstanceConfig({ NODE_ENV: 'production', ...secrets, JAMBONZ_SIGNATURES: 'off' })).toThrow(/JAMBONZ_SIGNATURES: cannot be off in production/);
    expect(parseInstanceConfig({ NODE_ENV: 'development', JAMBONZ_SIGNATURES: 'off' }).JAMBONZ_SIGNATURES).toBe('off');
    for (const [key, value] of [
      ['JAMBONZ_SIGNATURES', 'maybe'],
      ['JAMBONZ_SIGNATURE_TOLERANCE_SECONDS', '5'],
      ['STT_MIN_CONFIDENCE', '1.5'],
      ['TTS_DEFAULT_VOICES', 'english'],
      ['CALL_RECORDING_URL', 'https://recorder.example'],
    ]) {
      let error: unknown;
      try {
        parseInstanceConfig({ [key]: value });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((p) => p.key)).toEqual([key]);
    }
  });
});

describe('createTelephony', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
  });
  afterAll(() => t.drop());

  async function build(signatures: 'on' | 'off', jobs?: InProcessJobQueue) {
    const { logger, lines } = capturingLogger();
    const events = new InProcessEventBus(logger);
    const telephony = createTelephony({
      config: {
        ...parseInstanceConfig({ JAMBONZ_SIGNATURES: signatures }),
        REDIS_PREFIX: 'spec',
      },
      db: t.db,
      redis: null,
      keyring: Keyring.fromConfig(secrets.ENCRYPTION_KEYS),
      events,
      i18n: await createI18n(join(__dirname, '../../../locales')),
      logger,
      ledger: new BookingLedger(t.db),
      runtime: { engine: () => Promise.reject(new Error('unused')), knowledge: () => Promise.reject(new Error('unused')) },
      jobs,
    });
    return { telephony, lines, events };
  }

  it('says loudly when webhooks are not verified, and nothing when they are', async () => {
    const off = await build('off');
    expect(off.lines.filter((line) => String(line.msg).includes('JAMBONZ_SIGNATURES=off'))).toHaveLength(1);
    await off.telephony.close();
    const on = await build('on');
    expect(on.lines).toEqual([]);
    await on.telephony.close();
  });

  it('forgets cached numbers when any replica announces a change', async () => {
    const { telephony, events } = await build('on');
    const invalidate = jest.spyOn(telephony.directory, 'invalidate');
    await events.publish({ type: DIRECTORY_CHANGED, brandId: 'b', clientId: null, payload: { what: 'phone_number' } });
    await events.close();
    expect(invalidate).toHaveBeenCalled();
    await telephony.close();
  });

  it('texts booking confirmations only where a job queue takes them, registering their job there', async () => {
    const without = await build('on');
    expect(without.telephony.confirmations).toBeNull();
    await without.telephony.close();
    const { logger } = capturingLogger();
    const jobs = new InProcessJobQueue(logger);
    const register = jest.spyOn(jobs, 'register');
    const { telephony } = await build('on', jobs);
    expect(telephony.confirmations).not.toBeNull();
    expect(register.mock.calls.map(([name]) => name)).toEqual([BOOKING_CONFIRMATION_JOB]);
    await telephony.close();
    await jobs.close();
  });
});

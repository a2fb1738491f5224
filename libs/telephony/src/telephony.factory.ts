import type { BookingLedger } from '@tero/booking';
import type { EventBus, InstanceConfig, JobQueue, Keyring } from '@tero/core';
import type { Database } from '@tero/db';
import type { i18n as I18n } from 'i18next';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CallDirectory } from './call-directory';
import { listenSettings } from './recordings';
import { CallRecordWriter } from './call-record.writer';
import { type CallSessionStore, MemoryCallSessionStore, RedisCallSessionStore } from './call-session.store';
import { BookingConfirmations } from './confirmations/booking-confirmations';
import type { ConversationRuntime } from './conversation-runtime';
import { JambonzAccountsService } from './jambonz-accounts.service';
import { JambonzHooks, type JambonzHooksSettings } from './jambonz-hooks.service';
import { MemoryReplayGuard, type ReplayGuard, RedisReplayGuard } from './replay-guard';
import { TestCallMarker } from './test-calls/test-call-marker';

/** Event that tells every replica's call directory to forget what it cached (a number, profile or account changed). */
export const DIRECTORY_CHANGED = 'telephony.directory_changed';

/** The call path's long-lived services, built once per process by the composition root. */
export interface Telephony {
  hooks: JambonzHooks;
  accounts: JambonzAccountsService;
  directory: CallDirectory;
  sessions: CallSessionStore;
  writer: CallRecordWriter;
  /** Booking confirmations by text (their job is registered here); null without a job queue. */
  confirmations: BookingConfirmations | null;
  /** Writes what is queued and stops listening for changes. */
  close(): Promise<void>;
}

export interface TelephonyDeps {
  config: Pick<
    InstanceConfig,
    'REDIS_PREFIX' | 'JAMBONZ_SIGNATURES' | 'JAMBONZ_SIGNATURE_TOLERANCE_SECONDS' | 'STT_MIN_CONFIDENCE' | 'TTS_DEFAULT_VENDOR' | 'TTS_DEFAULT_VOICES' | 'CALL_RECORDING_URL'
  > &
    Partial<Pick<InstanceConfig, 'PUBLIC_URL' | 'APP_SECRET' | 'JAMBONZ_API_TIMEOUT_MS'>>;
  db: Database;
  /** Sessions and replay protection live here when set, so any replica can take the next hook. */
  redis: Redis | null;
  keyring: Keyring;
  events: EventBus;
  i18n: I18n;
  logger: Logger;
  ledger: BookingLedger;
  runtime: ConversationRuntime;
  /** Where booking confirmations are queued; without it the agent never texts. */
  jobs?: JobQueue;
  clock?: () => Date;
  /** Tests: the fetch the confirmations' jambonz clients use. */
  fetch?: typeof fetch;
}

/** `en:en-US-Neural2-F,es:es-US-Neural2-A` → `{ en: 'en-US-Neural2-F', es: 'es-US-Neural2-A' }`. */
export function parseVoiceList(spec: string): Record<string, string> {
  const voices: Record<string, string> = {};
  for (const entry of spec.split(',')) {
    const colon = entry.indexOf(':');
    if (colon > 0) voices[entry.slice(0, colon).trim()] = entry.slice(colon + 1).trim();
  }
  return voices;
}

/**
 * Builds the call path from the instance settings: Redis-backed sessions and replay protection when
 * Redis is configured (memory otherwise), the write-behind call record, the cached directory (which
 * forgets on `telephony.directory_changed` from any replica), and the hooks. Says loudly when
 * signatures are off.
 */
export function createTelephony(deps: TelephonyDeps): Telephony {
  const { config, db, redis, keyring, events, logger } = deps;
  const log = logger.child({ part: 'telephony' });
  const settings: JambonzHooksSettings = {
    signatures: config.JAMBONZ_SIGNATURES,
    toleranceSeconds: config.JAMBONZ_SIGNATURE_TOLERANCE_SECONDS,
    minConfidence: config.STT_MIN_CONFIDENCE,
    defaultVendor: config.TTS_DEFAULT_VENDOR,
    defaultVoices: parseVoiceList(config.TTS_DEFAULT_VOICES),
    recordingUrl: config.CALL_RECORDING_URL,
    // Without a SIPREC server, recorded calls stream to our own listen endpoint (needs the public URL jambonz reaches and the secret its credentials derive from).
    listen: config.CALL_RECORDING_URL || !config.PUBLIC_URL || !config.APP_SECRET ? undefined : listenSettings({ publicUrl: config.PUBLIC_URL, appSecret: config.APP_SECRET }),
  };
  if (settings.signatures === 'off') {
    log.warn('JAMBONZ_SIGNATURES=off: jambonz webhooks are NOT verified; anyone who can reach /hooks/jambonz/* can drive calls. Development only.');
  }
  const directory = new CallDirectory(db, keyring);
  const sessions: CallSessionStore = redis
    ? new RedisCallSessionStore(redis, config.REDIS_PREFIX)
    : new MemoryCallSessionStore(undefined, undefined, {
        onEvict: (count) => log.warn({ count }, 'call sessions full: the oldest finished calls were forgotten before their quarter hour (a flood of calls?)'),
      });
  const guard: ReplayGuard = redis
    ? new RedisReplayGuard(redis, config.REDIS_PREFIX)
    : new MemoryReplayGuard(Date.now, {
        onEvict: (count) => log.warn({ count }, 'replay guard full: the oldest accepted signatures were forgotten before their time (a flood of hooks?)'),
      });
  const writer = new CallRecordWriter(db, log);
  writer.start();
  const confirmations = deps.jobs
    ? new BookingConfirmations({ db, jobs: deps.jobs, keyring, i18n: deps.i18n, writer, logger: log.child({ part: 'confirmations' }), timeoutMs: config.JAMBONZ_API_TIMEOUT_MS, clock: deps.clock, fetch: deps.fetch })
    : null;
  confirmations?.register();
  const unsubscribe = events.subscribe(DIRECTORY_CHANGED, () => directory.invalidate());
  const accounts = new JambonzAccountsService(db, keyring, (ctx) => {
    directory.invalidate();
    events.publish({ type: DIRECTORY_CHANGED, brandId: ctx.brandId, clientId: ctx.clientId, payload: { what: 'jambonz_account' } }).catch((error: unknown) => {
      log.warn({ err: error }, 'telling other replicas about a jambonz account change failed; they notice within 30 s');
    });
  });
  const hooks = new JambonzHooks({
    db,
    directory,
    sessions,
    guard,
    writer,
    events,
    i18n: deps.i18n,
    logger: log,
    ledger: deps.ledger,
    runtime: deps.runtime,
    settings,
    clock: deps.clock,
    testCalls: new TestCallMarker(keyring),
    confirmations: confirmations ?? undefined,
  });
  return {
    hooks,
    accounts,
    directory,
    sessions,
    writer,
    confirmations,
    close: async () => {
      unsubscribe();
      await writer.close();
    },
  };
}

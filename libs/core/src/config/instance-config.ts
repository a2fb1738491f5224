import { z } from 'zod';

/**
 * Every instance setting, read once at boot from the environment (and `.env`). Documented key by key
 * in `.env.example`. Secrets have no default: in the embedded default they are generated once and kept
 * in the data folder (see `embedded-secrets.ts`).
 */
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const list = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

export const instanceConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Where browsers reach the instance; used in e-mailed links. */
  PUBLIC_URL: z.url({ message: 'must be an absolute http(s) URL' }).default('http://localhost:3000'),
  /** Domain under which `<client>.<brand-domain>` dashboards are served when a brand sets none. */
  BASE_DOMAIN: z.string().regex(/^[a-z0-9.-]+$/i, 'must be a host name').default('localhost'),
  DATA_DIR: z.string().min(1).default('./data'),
  /** PostgreSQL URL; absent means the embedded SQLite file under DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** Redis URL; absent means in-process jobs and events. */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  /** Prefix of every Redis key, so several instances or test runs can share one Redis. */
  REDIS_PREFIX: z.string().regex(/^[a-zA-Z0-9:_-]+$/, 'letters, digits, : _ - only').default('tero'),
  /** Whether this server process also runs job processors when Redis is configured (always true without Redis). */
  JOBS_IN_SERVER: bool.default(true),
  /** Signs sessions, tokens and CSRF. At least 32 characters. Generated into DATA_DIR when absent in development. */
  APP_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * Keys that encrypt vendor credentials at rest: `id:base64key[,id:base64key…]`, 32-byte keys, the
   * first one encrypts, all of them decrypt (rotation). Generated into DATA_DIR when absent in development.
   */
  ENCRYPTION_KEYS: z
    .string()
    .regex(/^([A-Za-z0-9_-]+:[A-Za-z0-9+/=_-]+)(,[A-Za-z0-9_-]+:[A-Za-z0-9+/=_-]+)*$/, 'must be id:base64key[,id:base64key…]')
    .optional(),
  /**
   * Bearer token that opens `GET /metrics` to Prometheus (compared in constant time). Absent: `/metrics`
   * answers 404 to everyone but a signed-in operator, so that nothing is exposed by default.
   */
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .max(256, 'must be at most 256 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
  /** Plugins to enable, by manifest id. */
  PLUGINS: list.default(['email-smtp', 'payment-stripe', 'payment-paypal', 'voice-elevenlabs', 'voice-cartesia']),
  /** Which e-mail transport sends the instance's mail: `outbox` (files under DATA_DIR, shown in the admin portal) or an e-mail plugin id. */
  EMAIL_TRANSPORT: z.string().min(1).default('outbox'),
  /** Sender used when a brand sets none. */
  EMAIL_FROM: z.string().min(3).default('Tero Voice <no-reply@localhost>'),
  /** Days the outbox keeps a message before the periodic prune job deletes it (sign-in links included). */
  OUTBOX_RETENTION_DAYS: z.coerce.number({ error: 'must be a whole number of days' }).int('must be a whole number of days').min(1, 'must be at least 1 day').max(3650, 'must be at most 3650 days').default(14),
  /** Days a call recording is kept when its client sets no retention of its own; the hourly retention job deletes older ones. */
  RECORDING_RETENTION_DAYS: z.coerce.number({ error: 'must be a whole number of days' }).int('must be a whole number of days').min(1, 'must be at least 1 day').max(3650, 'must be at most 3650 days').default(90),
  /** Days a released phone number stays in quarantine (only its last client may take it back) before the pool recycles it. 0 to 3650. */
  NUMBER_QUARANTINE_DAYS: z.coerce.number({ error: 'must be a whole number of days' }).int('must be a whole number of days').min(0, 'must not be negative').max(3650, 'must be at most 3650 days').default(30),
  /** Milliseconds each request to a brand's jambonz API may take (provisioning and monitoring) before it counts as unanswered. 100 to 120000. */
  JAMBONZ_API_TIMEOUT_MS: z.coerce
    .number({ error: 'must be a whole number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(100, 'must be at least 100 ms')
    .max(120_000, 'must be at most 120000 ms (2 minutes)')
    .default(10_000),
  /** Seeds the demo brand, client and users on the first start. */
  SEED_DEMO: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Trust X-Forwarded-* from the proxy in front. */
  TRUST_PROXY: bool.default(false),
  /** Login attempts allowed per e-mail and per IP in LOGIN_RATE_WINDOW_SECONDS. */
  LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  LOGIN_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  /** Messages a client may send to "talk to your agent" (each may call a paid LLM) in SPEND_RATE_WINDOW_SECONDS. */
  AGENT_TALK_RATE_LIMIT: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').default(60),
  /** Test-call moves (a start or a turn, each an agent's answer) a client may make in SPEND_RATE_WINDOW_SECONDS. */
  TEST_CALL_RATE_LIMIT: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').default(120),
  /** Scenario runs (the pack's scenarios played on a draft prompt) a client may start in SPEND_RATE_WINDOW_SECONDS. */
  SCENARIO_RUN_RATE_LIMIT: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').default(10),
  /** Window of the agent-talk, test-call and scenario-run limits, in seconds. */
  SPEND_RATE_WINDOW_SECONDS: z.coerce.number({ error: 'must be a whole number of seconds' }).int('must be a whole number of seconds').min(1, 'must be at least 1 second').default(3600),
  /** Failed API-key authentications allowed per IP in API_KEY_FAILURE_RATE_WINDOW_SECONDS; then the IP is refused with 429 until the window ends. */
  API_KEY_FAILURE_RATE_LIMIT: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').default(20),
  API_KEY_FAILURE_RATE_WINDOW_SECONDS: z.coerce.number({ error: 'must be a whole number of seconds' }).int('must be a whole number of seconds').min(1, 'must be at least 1 second').default(900),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).default(12),
  MAGIC_LINK_TTL_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /**
   * Whether jambonz webhooks must carry a valid `Jambonz-Signature` (`on`). `off` accepts unsigned hooks
   * for local development only: refused in production, logged loudly at boot.
   */
  JAMBONZ_SIGNATURES: z.enum(['on', 'off']).default('on'),
  /** Seconds a signed hook stays acceptable (and a replayed one is refused). */
  JAMBONZ_SIGNATURE_TOLERANCE_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  /** jambonz synthesizer vendor for agents without a voice of their own. */
  TTS_DEFAULT_VENDOR: z.string().regex(/^[a-z0-9:_-]+$/i, 'must be a jambonz vendor name').default('google'),
  /** Default voice per call locale for that vendor: `en:en-US-Neural2-F,es:…`. */
  TTS_DEFAULT_VOICES: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Z]{2})?:[^,:]+(,[a-z]{2,3}(-[A-Z]{2})?:[^,:]+)*$/, 'must be locale:voice[,locale:voice…]')
    .default('en:en-US-Neural2-F,es:es-US-Neural2-A,fr:fr-FR-Neural2-A'),
  /** Speech transcripts below this confidence (0-1) count as not understood. */
  STT_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.4),
  /** SIPREC recording server jambonz sends recorded calls to (`config.record`); absent: calls are not recorded. */
  CALL_RECORDING_URL: z.string().regex(/^sips?:[^\s]+$/, 'must be a sip: or sips: URI').optional(),
  /**
   * The voice plugin that clones owners' voices (`voice-elevenlabs`); it must be enabled in PLUGINS
   * (checked at boot). Absent: the first enabled voice plugin configured for the client.
   */
  VOICE_ENGINE: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a plugin id (lower-case letters, digits, -)').optional(),
});

export type InstanceConfigInput = z.input<typeof instanceConfigSchema>;
export type InstanceConfig = z.output<typeof instanceConfigSchema> & {
  /** Resolved: never empty after boot (from the environment or generated into DATA_DIR). */
  APP_SECRET: string;
  ENCRYPTION_KEYS: string;
};

/** A bad setting: names every key at fault and why. The process exits non-zero with this message. */
export class ConfigError extends Error {
  constructor(readonly problems: { key: string; reason: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.key}: ${p.reason}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment. Unknown keys are ignored; empty strings count as unset. */
export function parseInstanceConfig(env: Record<string, string | undefined>): z.output<typeof instanceConfigSchema> {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(instanceConfigSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const parsed = instanceConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ key: String(issue.path[0] ?? '(root)'), reason: issue.message })),
    );
  }
  // Without a public URL the instance is reached on this machine, on the port it listens on (a port of 0 is
  // only known once listening: the default stays).
  if (cleaned.PUBLIC_URL === undefined && parsed.data.PORT > 0) parsed.data.PUBLIC_URL = `http://localhost:${parsed.data.PORT}`;
  if (parsed.data.NODE_ENV === 'production') {
    const missing = (['APP_SECRET', 'ENCRYPTION_KEYS'] as const).filter((key) => !parsed.data[key]);
    if (missing.length) {
      throw new ConfigError(missing.map((key) => ({ key, reason: 'is required in production (no generated secrets)' })));
    }
    if (parsed.data.JAMBONZ_SIGNATURES === 'off') {
      throw new ConfigError([{ key: 'JAMBONZ_SIGNATURES', reason: 'cannot be off in production (unsigned webhooks could drive any call)' }]);
    }
  }
  return parsed.data;
}

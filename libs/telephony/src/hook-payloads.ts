import { z } from 'zod';

/**
 * What jambonz POSTs to our hooks, as its HTTP requestor sends it (snake_case keys; `customerData`,
 * `sip` and `env_vars` as they are). Only the fields we use are declared; the rest is ignored. Each
 * schema names the hook it belongs to, so a 400 can say which field is missing or wrong.
 */

const sid = z.string().min(1).max(64);
const phone = z.string().max(64);

/** The call info every hook carries. */
const callInfo = {
  call_sid: sid,
  account_sid: z.string().max(64).optional(),
  from: phone.optional(),
  to: phone.optional(),
  direction: z.string().max(20).optional(),
  call_status: z.string().max(20).optional(),
};

/** `call_hook`: a new call. Routing never fails on it: a missing field routes to the default message. */
export const callHookSchema = z.object({
  ...callInfo,
  from: phone,
  to: phone,
  caller_name: z.string().max(200).nullish(),
});
export type CallHookPayload = z.infer<typeof callHookSchema>;

const speechAlternative = z.object({
  transcript: z.string().max(10_000).default(''),
  confidence: z.number().min(0).max(1).optional(),
});

/** A gather's result: `reason` and, for speech, the recognizer's alternatives. */
export const gatherResultSchema = z.object({
  ...callInfo,
  reason: z.string().min(1).max(40),
  speech: z
    .object({
      alternatives: z.array(speechAlternative).max(20).default([]),
      is_final: z.boolean().optional(),
      language_code: z.string().max(20).optional(),
    })
    .optional(),
  digits: z.string().max(64).optional(),
  /** jambonz sends the latency of each final transcript, comma-separated: `"412"` or `"380,412"`. */
  stt_latency_ms: z.union([z.string().max(200), z.number()]).optional(),
  /**
   * With `config.notifySttLatency`: the recognizer's start and stop (unix seconds) and the caller's talk
   * spurts (a JSON string of `[[start, stop], …]`), read by `speechTimingOf` for barge-in detection. Taken
   * as they come: a turn is never refused over a measurement, whose malformed parts are simply not used.
   */
  stt_start_time: z.unknown().optional(),
  stt_stop_time: z.unknown().optional(),
  stt_talkspurts: z.unknown().optional(),
});
export type GatherResultPayload = z.infer<typeof gatherResultSchema>;

/** `call_status_hook`. */
export const statusHookSchema = z.object({
  ...callInfo,
  call_status: z.string().min(1).max(20),
  sip_status: z.number().int().optional(),
  /** Seconds, on `completed`. */
  duration: z.number().min(0).max(7 * 24 * 3600).optional(),
});
export type StatusHookPayload = z.infer<typeof statusHookSchema>;

/** A `dial` verb's actionHook: how the transfer went. */
export const dialResultSchema = z.object({
  ...callInfo,
  dial_call_status: z.string().min(1).max(20),
  dial_sip_status: z.number().int().optional(),
  duration: z.number().min(0).optional(),
});
export type DialResultPayload = z.infer<typeof dialResultSchema>;

/** A dial's `confirmHook` (the whisper): the called party's leg, with the caller's call as `parent_call_sid`. */
export const whisperHookSchema = z.object({
  ...callInfo,
  parent_call_sid: sid.optional(),
});
export type WhisperHookPayload = z.infer<typeof whisperHookSchema>;

const seconds = z.number().min(0).max(7 * 24 * 3600);

/**
 * An `enqueue`'s waitHook. jambonz sends only the queue's figures and the call's ids here (no account,
 * no numbers): `queue_position` is 0 for the caller at the head of the queue.
 */
export const queueWaitSchema = z.object({
  call_sid: sid,
  queue_sid: z.string().max(200).optional(),
  queue_time: seconds,
  queue_size: z.number().int().min(0).optional(),
  queue_position: z.number().int().min(0).optional(),
});
export type QueueWaitPayload = z.infer<typeof queueWaitSchema>;

/** An `enqueue`'s actionHook: `queue_result` is `bridged`, `hangup` (the caller hung up), `leave` or `error`. */
export const queueResultSchema = z.object({
  ...callInfo,
  queue_result: z.string().min(1).max(20),
  queue_time: seconds.optional(),
  queue_sid: z.string().max(200).optional(),
});
export type QueueResultPayload = z.infer<typeof queueResultSchema>;

/** A `dequeue`'s actionHook: `dequeue_result` is `complete` (bridged, then over), `timeout` (nobody waiting) or `hangup` (the bridge failed). */
export const dequeueResultSchema = z.object({
  ...callInfo,
  dequeue_result: z.string().min(1).max(20),
});
export type DequeueResultPayload = z.infer<typeof dequeueResultSchema>;

/** What a hook's reader gives: the payload, or zod's account of what is wrong with the body. */
export type PayloadRead<T> = { success: true; data: T } | { success: false; error: z.ZodError };

/**
 * A gather's result, as {@link gatherResultSchema} reads it; see {@link readHotPayload}. Every speech
 * alternative must carry its transcript here (a missing one is the schema's default to fill in).
 */
export function readGatherResult(body: Record<string, unknown>): PayloadRead<GatherResultPayload> {
  return readHotPayload(body, isUsualGatherResult, gatherResultSchema);
}

/** A status callback, as {@link statusHookSchema} reads it; see {@link readHotPayload}. */
export function readStatusHook(body: Record<string, unknown>): PayloadRead<StatusHookPayload> {
  return readHotPayload(body, isUsualStatus, statusHookSchema);
}

/**
 * The bodies of the hooks every call sends several times (its turns, its statuses) read by hand when they
 * have the usual shape: `usual` checks, for every field the schema declares, at least what the schema
 * checks, and the body itself is the payload (its other fields are never read; nothing writes to it).
 * Anything else — a field missing or wrong, a default to fill in — goes to the schema, which decides and
 * says what is wrong. zod's parse cost ~2 µs and ~1 KB of garbage a hook on the busiest path of the product,
 * more than the turn's own transcript row. The spec checks on many bodies that whatever `usual` takes the
 * schema takes too, with the same values.
 */
function readHotPayload<T>(body: Record<string, unknown>, usual: (body: Record<string, unknown>) => boolean, schema: z.ZodType<T>): PayloadRead<T> {
  return usual(body) ? { success: true, data: body as T } : schema.safeParse(body);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown, min: number, max: number): boolean => typeof value === 'string' && value.length >= min && value.length <= max;
const isOptionalText = (value: unknown, max: number): boolean => value === undefined || (typeof value === 'string' && value.length <= max);
const isNumberIn = (value: unknown, min: number, max: number): boolean => typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

/** {@link callInfo}'s rules. */
function isUsualCallInfo(body: Record<string, unknown>): boolean {
  return (
    isText(body.call_sid, 1, 64) &&
    isOptionalText(body.account_sid, 64) &&
    isOptionalText(body.from, 64) &&
    isOptionalText(body.to, 64) &&
    isOptionalText(body.direction, 20) &&
    isOptionalText(body.call_status, 20)
  );
}

function isUsualGatherResult(body: Record<string, unknown>): boolean {
  if (!isUsualCallInfo(body) || !isText(body.reason, 1, 40) || !isOptionalText(body.digits, 64)) return false;
  const latency = body.stt_latency_ms;
  if (latency !== undefined && !isText(latency, 0, 200) && !Number.isFinite(latency)) return false;
  const speech = body.speech;
  if (speech === undefined) return true;
  if (!isObject(speech) || !isOptionalText(speech.language_code, 20) || (speech.is_final !== undefined && typeof speech.is_final !== 'boolean')) return false;
  const alternatives = speech.alternatives;
  if (!Array.isArray(alternatives) || alternatives.length > 20) return false;
  for (const alternative of alternatives) {
    if (!isObject(alternative) || !isText(alternative.transcript, 0, 10_000)) return false;
    if (alternative.confidence !== undefined && !isNumberIn(alternative.confidence, 0, 1)) return false;
  }
  return true;
}

function isUsualStatus(body: Record<string, unknown>): boolean {
  return (
    isUsualCallInfo(body) &&
    isText(body.call_status, 1, 20) &&
    (body.sip_status === undefined || Number.isSafeInteger(body.sip_status)) &&
    (body.duration === undefined || isNumberIn(body.duration, 0, 7 * 24 * 3600))
  );
}

/** Turns a zod failure into the first problem's field path and reason, for the 400 body. */
export function firstProblem(error: z.ZodError): { field: string; reason: string } {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') || '(body)';
  const reason = issue?.code === 'invalid_type' && issue.input === undefined ? 'is required' : (issue?.message ?? 'is invalid');
  return { field, reason };
}

import { SimulatorError } from './simulator.error';
import type { DequeueScript, QueueScript } from './simulator.types';

/** Nobody takes a queued caller, who gives up after ten minutes: an application's own maximum wait comes first. */
export const DEFAULT_QUEUE_SCRIPT: QueueScript = { result: 'hangup', afterSeconds: 600 };
/** The simulator places one call at a time, so a staff phone finds nobody waiting. */
export const DEFAULT_DEQUEUE_SCRIPT: DequeueScript = { result: 'timeout' };
/** Seconds a bridged caller and staff member talk when the script does not say. */
export const DEFAULT_TALK_SECONDS = 60;

/** jambonz plays half a second of silence before each wait-hook round. */
export const WAIT_ROUND_GAP_MS = 500;
/** A staff phone's dequeue looks at the queue one second after it starts (jambonz waits so as not to clip the bridge). */
export const DEQUEUE_FIRST_LOOK_MS = 1000;
/** A staff member whose dequeue has no timeout, facing an empty queue, hangs up after this long. */
export const DEQUEUE_GIVE_UP_MS = 30_000;
/** The verbs jambonz runs in an enqueue's waitHook answer; any other makes it stop asking the hook. */
export const WAIT_HOOK_VERBS = new Set(['play', 'say', 'pause', 'leave', 'tag']);

/**
 * The simulator cannot know how long an audio file or a voice takes: one play of a file counts as this
 * many seconds, and speech as 150 words a minute. Only a queue's wait uses them, where time is the point.
 */
export const NOMINAL_PLAY_SECONDS = 30;
const WORDS_PER_SECOND = 2.5;

const QUEUE_RESULTS = new Set<QueueScript['result']>(['bridged', 'hangup', 'error']);
const DEQUEUE_RESULTS = new Set<DequeueScript['result']>(['complete', 'timeout', 'hangup']);

function bad(field: string, reason: string): SimulatorError {
  return new SimulatorError('simulator.bad_request', `${field} ${reason}`, null, { field });
}

function seconds(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw bad(field, 'must be a number of seconds, 0 or more');
  return value;
}

/** A queue script with its defaults filled in. */
export interface CheckedQueueScript {
  result: QueueScript['result'];
  afterSeconds: number;
  ahead: number;
  staff: string | undefined;
  talkSeconds: number;
}

/** A dequeue script with its defaults filled in. */
export interface CheckedDequeueScript {
  result: DequeueScript['result'];
  caller: string | undefined;
  talkSeconds: number;
}

/** The queue script for `name`, checked: a clear error naming the field, before anything is simulated with it. */
export function queueScriptFor(option: QueueScript | ((name: string) => QueueScript) | undefined, name: string): CheckedQueueScript {
  const script = (typeof option === 'function' ? option(name) : option) ?? DEFAULT_QUEUE_SCRIPT;
  if (!script || typeof script !== 'object') throw bad('queue', 'must be a queue script ({ result, afterSeconds })');
  if (!QUEUE_RESULTS.has(script.result)) throw bad('queue.result', 'must be bridged, hangup or error');
  const ahead = script.ahead ?? 0;
  if (!Number.isInteger(ahead) || ahead < 0) throw bad('queue.ahead', 'must be a whole number, 0 or more');
  if (script.staff !== undefined && typeof script.staff !== 'string') throw bad('queue.staff', 'must be a string');
  return {
    result: script.result,
    afterSeconds: seconds(script.afterSeconds, 'queue.afterSeconds'),
    ahead,
    staff: script.staff,
    talkSeconds: script.talkSeconds === undefined ? DEFAULT_TALK_SECONDS : seconds(script.talkSeconds, 'queue.talkSeconds'),
  };
}

/** The dequeue script for `name`, checked likewise. */
export function dequeueScriptFor(option: DequeueScript | ((name: string) => DequeueScript) | undefined, name: string): CheckedDequeueScript {
  const script = (typeof option === 'function' ? option(name) : option) ?? DEFAULT_DEQUEUE_SCRIPT;
  if (!script || typeof script !== 'object') throw bad('dequeue', 'must be a dequeue script ({ result })');
  if (!DEQUEUE_RESULTS.has(script.result)) throw bad('dequeue.result', 'must be complete, timeout or hangup');
  if (script.caller !== undefined && typeof script.caller !== 'string') throw bad('dequeue.caller', 'must be a string');
  return {
    result: script.result,
    caller: script.caller,
    talkSeconds: script.talkSeconds === undefined ? DEFAULT_TALK_SECONDS : seconds(script.talkSeconds, 'dequeue.talkSeconds'),
  };
}

/**
 * The caller's 0-based place in the queue (jambonz's `queue_position`) `elapsedMs` after joining. When
 * the wait ends in a bridge, staff take the callers ahead one by one, evenly spread before it; otherwise
 * nobody is taken and the place stays.
 */
export function queuePositionAt(script: CheckedQueueScript, elapsedMs: number): number {
  if (script.result !== 'bridged' || script.ahead === 0) return script.ahead;
  const step = (script.afterSeconds * 1000) / (script.ahead + 1);
  const taken = step === 0 ? script.ahead : Math.min(script.ahead, Math.floor(elapsedMs / step));
  return script.ahead - taken;
}

/** How long a wait-round verb holds the caller, in ms (Infinity: until something ends the wait). */
export function waitVerbMs(name: string, data: Record<string, unknown>): number {
  if (name === 'pause') return Math.max(0, Number(data.length) || 0) * 1000;
  if (name === 'say') {
    const text = Array.isArray(data.text) ? data.text.join(' ') : String(data.text ?? '');
    const words = text.replace(/<[^>]+>/g, ' ').split(/\s+/).filter(Boolean).length;
    return Math.max(1, Math.ceil(words / WORDS_PER_SECOND)) * 1000;
  }
  if (name === 'play') {
    const files = Array.isArray(data.url) ? data.url.length : 1;
    // jambonz plays once unless told otherwise; `loop: 0` is `0 || 1`, once, as in its play task.
    const loop = data.loop === 'forever' ? Infinity : Math.max(1, Math.floor(Number(data.loop) || 1));
    const cap = Number(data.timeoutSecs);
    const played = files * loop * NOMINAL_PLAY_SECONDS * 1000;
    return cap > 0 ? Math.min(played, cap * 1000) : played;
  }
  return 0;
}

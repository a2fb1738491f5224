import { estimateSpeechSeconds } from './transfers/queue-wait';

/**
 * Whether the caller spoke over the agent (barged in), decided at the turn hook.
 *
 * jambonz (feature server 0.9.x) does not tell an HTTP action hook about a barge-in: the gather kills
 * its prompt when the caller's words arrive (`bargein: true`) and reports `speech-bargein-detected` only
 * as a `verb:status` event to WebSocket applications; the gather's result carries the transcript, and —
 * when the call's `config` set `notifySttLatency: true` — the speech timing of its recognizer session
 * (`stt_start_time`, `stt_stop_time`, `stt_talkspurts`: unix seconds rounded down, from jambonz's own VAD;
 * `stt_latency_ms`). So the decision is ours, from what we know: when our answer with the gather left,
 * what its prompt said (its speaking time estimated like the queue's announcements), when the result came
 * back, what the caller said, and jambonz's timing when it sends it.
 */

/**
 * The caller must have begun at least this long before the prompt's estimated end — a second, or a fifth
 * of the prompt when that is more: jambonz's timing is in whole seconds, the prompt's length is rounded
 * up, and a synthesizer may speak a fifth faster than the estimate's 150 words a minute.
 */
export const BARGE_IN_MARGIN_MS = 1000;
export const BARGE_IN_MARGIN_SHARE = 0.2;
/** Between the caller's last word and jambonz's hook, when jambonz does not say: the recognizer's end-of-speech wait and the request. */
export const DEFAULT_END_OF_SPEECH_MS = 800;

/** jambonz's speech timing of one gather (present when `config.notifySttLatency` is on). */
export interface GatherSpeechTiming {
  /** When the recognizer started listening (jambonz's clock, unix seconds): with the prompt, or at a restart. */
  sttStartTime: number | null;
  /** When it stopped (unix seconds): just before the hook was sent. */
  sttStopTime: number | null;
  /** The caller's talk spurts `[start, stop]` in unix seconds, first first. */
  talkspurts: Array<[number, number]>;
  /** From the caller's last word to the final transcript, ms (the last one when jambonz lists several). */
  latencyMs: number | null;
}

/** What the turn hook knows of the turn. Times in ms on our clock (`Date.now()` of the replica that noted them). */
export interface BargeInFacts {
  /** When our answer holding the gather was sent. */
  answeredAtMs: number;
  /** What the gather's prompt (its nested `say`) speaks: what the caller can talk over. */
  promptText: string;
  /** What the same answer plays before the gather (a disclosure): it cannot be talked over, but delays the prompt. */
  leadInText?: string | null;
  /** When the gather's result reached us. */
  hookAtMs: number;
  /** What the caller said (or the keys pressed); empty for silence. */
  callerText: string;
  timing?: GatherSpeechTiming | null;
}

export type BargeInBasis =
  /** No prompt to talk over. */
  | 'no_prompt'
  /** The caller said and pressed nothing. */
  | 'no_input'
  /** The hook came before our own clock says the answer was sent: replicas' clocks disagree; nothing can be told. */
  | 'clock_skew'
  /** The result came back before the prompt could have ended. */
  | 'hook_early'
  /** jambonz's talk spurts, placed on our clock from its stop time. */
  | 'talkspurts'
  /** jambonz's talk spurts, counted from the recognizer's start (which starts with the prompt). */
  | 'talkspurts_from_start'
  /** The length of the caller's words and the usual end-of-speech wait, counted back from the hook. */
  | 'estimate';

export interface BargeInVerdict {
  bargedIn: boolean;
  basis: BargeInBasis;
  /** The prompt's estimated speaking time, ms. */
  promptMs: number;
  /** When the caller began, ms from the start of the prompt (negative: during the lead-in); null when not estimated. */
  callerStartMs: number | null;
}

/** `"380,412"` → 412 (jambonz lists each final transcript's); a number as it is; anything else null. */
function lastLatency(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const last = Number(value.split(',').pop());
  return Number.isFinite(last) && last >= 0 ? last : null;
}

function seconds(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : null;
}

/**
 * The speech timing of a gather's result as jambonz sends it (`stt_talkspurts` is a JSON string of
 * `[[start, stop], …]`), or null when it sends none of it. Malformed parts are left out, never thrown.
 */
export function speechTimingOf(payload: { stt_start_time?: unknown; stt_stop_time?: unknown; stt_talkspurts?: unknown; stt_latency_ms?: unknown }): GatherSpeechTiming | null {
  // The usual case (jambonz sends timing only when asked): nothing to read, nothing to make.
  if (payload.stt_start_time == null && payload.stt_stop_time == null && payload.stt_talkspurts == null && payload.stt_latency_ms == null) return null;
  let spurts: unknown = payload.stt_talkspurts;
  if (typeof spurts === 'string') {
    try {
      spurts = JSON.parse(spurts);
    } catch {
      spurts = [];
    }
  }
  const talkspurts = (Array.isArray(spurts) ? spurts : [])
    .filter((s): s is [number, number] => Array.isArray(s) && s.length === 2 && seconds(s[0]) !== null && typeof s[1] === 'number' && s[1] >= s[0])
    .sort((a, b) => a[0] - b[0]);
  const timing: GatherSpeechTiming = {
    sttStartTime: seconds(payload.stt_start_time),
    sttStopTime: seconds(payload.stt_stop_time),
    talkspurts,
    latencyMs: lastLatency(payload.stt_latency_ms),
  };
  return timing.sttStartTime === null && timing.sttStopTime === null && talkspurts.length === 0 && timing.latencyMs === null ? null : timing;
}

/**
 * Decides whether the caller barged in: began speaking (or pressing keys) clearly before the end of the
 * prompt (see {@link BARGE_IN_MARGIN_MS}), the prompt starting once the lead-in was said.
 * When the caller began is taken, best first, from jambonz's first talk spurt placed on our clock by its
 * stop time (the hook comes right after it; robust to a recognizer restarted mid-prompt), from that spurt
 * counted from the recognizer's start (which is the prompt's start unless it restarted), else estimated
 * back from the hook: the caller's words at 150 a minute and the end-of-speech wait. A hook that arrives
 * before the prompt could have ended is a barge-in whatever the rest says. The prompt's start is when
 * our answer left: jambonz starts it a little later (speech synthesis), so a barge-in near the end is
 * rather missed than invented.
 */
export function detectBargeIn(facts: BargeInFacts): BargeInVerdict {
  const promptMs = estimateSpeechSeconds(facts.promptText ?? '') * 1000;
  if (promptMs === 0) return { bargedIn: false, basis: 'no_prompt', promptMs, callerStartMs: null };
  if (!facts.callerText?.trim()) return { bargedIn: false, basis: 'no_input', promptMs, callerStartMs: null };
  if (facts.hookAtMs < facts.answeredAtMs) return { bargedIn: false, basis: 'clock_skew', promptMs, callerStartMs: null };
  const promptStart = facts.answeredAtMs + estimateSpeechSeconds(facts.leadInText ?? '') * 1000;
  const latest = promptMs - Math.max(BARGE_IN_MARGIN_MS, promptMs * BARGE_IN_MARGIN_SHARE);
  const timing = facts.timing ?? null;
  const first = timing?.talkspurts[0];
  let basis: BargeInBasis;
  let callerStartMs: number;
  if (first && timing?.sttStopTime && timing.sttStopTime >= first[0]) {
    basis = 'talkspurts';
    callerStartMs = facts.hookAtMs - (timing.sttStopTime - first[0]) * 1000 - promptStart;
  } else if (first && timing?.sttStartTime && first[0] >= timing.sttStartTime) {
    basis = 'talkspurts_from_start';
    callerStartMs = (first[0] - timing.sttStartTime) * 1000;
  } else {
    basis = 'estimate';
    const endOfSpeechMs = timing?.latencyMs ?? DEFAULT_END_OF_SPEECH_MS;
    callerStartMs = facts.hookAtMs - endOfSpeechMs - estimateSpeechSeconds(facts.callerText) * 1000 - promptStart;
  }
  // The caller had finished before the prompt could have: whatever the estimates, they spoke over it.
  const hookIntoPrompt = facts.hookAtMs - promptStart;
  if (hookIntoPrompt < latest) return { bargedIn: true, basis: 'hook_early', promptMs, callerStartMs: Math.min(callerStartMs, hookIntoPrompt) };
  return { bargedIn: callerStartMs < latest, basis, promptMs, callerStartMs };
}

import type { CallerInput } from '@tero/conversation';
import type { GatherResultPayload } from './hook-payloads';

/** A gather result as the engine sees it, with what the call record keeps about the turn. */
export interface MappedInput {
  input: CallerInput;
  /** What the caller's turn row says (`""` for silence). */
  text: string;
  confidence: number | null;
  /** Latency jambonz measured for the final transcript, in ms. */
  sttLatencyMs: number | null;
}

/**
 * Maps jambonz's gather result to a {@link CallerInput}: `speechDetected` with a transcript at or above
 * `minConfidence` is speech; below it (or jambonz's own `stt-low-confidence`) is low-confidence; an empty
 * transcript or `timeout` is silence; `dtmfDetected` is digits; anything else (`error`, an unknown
 * reason) is an error the engine answers with a polite repeat.
 */
export function mapGatherResult(payload: GatherResultPayload, minConfidence: number): MappedInput {
  const best = payload.speech?.alternatives[0];
  const text = (best?.transcript ?? '').trim();
  const confidence = typeof best?.confidence === 'number' ? best.confidence : null;
  const sttLatencyMs = parseLatency(payload.stt_latency_ms);
  const base = { confidence, sttLatencyMs };
  switch (payload.reason) {
    case 'speechDetected':
      if (!text) return { input: { kind: 'silence' }, text: '', ...base };
      // Some recognizers report no confidence, or 0 for "not measured": only a real low score counts.
      if (confidence !== null && confidence > 0 && confidence < minConfidence) {
        return { input: { kind: 'low-confidence', text, confidence }, text, ...base };
      }
      return { input: confidence === null ? { kind: 'speech', text } : { kind: 'speech', text, confidence }, text, ...base };
    case 'stt-low-confidence':
      return {
        input: { kind: 'low-confidence', ...(text ? { text } : {}), ...(confidence !== null ? { confidence } : {}) },
        text,
        ...base,
      };
    case 'dtmfDetected': {
      const digits = (payload.digits ?? '').replace(/[^0-9*#]/g, '');
      return digits ? { input: { kind: 'dtmf', digits }, text: digits, ...base } : { input: { kind: 'silence' }, text: '', ...base };
    }
    case 'timeout':
      return { input: { kind: 'silence' }, text: '', ...base };
    default:
      return { input: { kind: 'error' }, text: '', ...base };
  }
}

/** `"380,412"` → 412 (the last final transcript's); a number as it is; anything else null. */
function parseLatency(value: string | number | undefined): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : null;
  if (typeof value !== 'string' || value === '') return null;
  const last = Number(value.split(',').pop());
  return Number.isFinite(last) && last >= 0 ? Math.round(last) : null;
}

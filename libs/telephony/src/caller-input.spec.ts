import { mapGatherResult } from './caller-input';
import { gatherResultSchema } from './hook-payloads';

const gather = (result: Record<string, unknown>) => gatherResultSchema.parse({ call_sid: 'c1', ...result });
const speech = (transcript: string, confidence?: number) => ({ alternatives: [{ transcript, ...(confidence !== undefined ? { confidence } : {}) }] });

describe('mapGatherResult', () => {
  it('maps confident speech to speech, with the transcript and confidence kept for the turn row', () => {
    expect(mapGatherResult(gather({ reason: 'speechDetected', speech: speech('  I need a cleaning ', 0.91), stt_latency_ms: '380,412' }), 0.4)).toEqual({
      input: { kind: 'speech', text: 'I need a cleaning', confidence: 0.91 },
      text: 'I need a cleaning',
      confidence: 0.91,
      sttLatencyMs: 412,
    });
  });

  it('takes speech without a confidence (or a 0 that means "not measured") as understood', () => {
    expect(mapGatherResult(gather({ reason: 'speechDetected', speech: speech('hello') }), 0.4).input).toEqual({ kind: 'speech', text: 'hello' });
    expect(mapGatherResult(gather({ reason: 'speechDetected', speech: speech('hello', 0) }), 0.4).input).toEqual({ kind: 'speech', text: 'hello', confidence: 0 });
  });

  it('maps speech below the threshold, and jambonz\'s own stt-low-confidence, to low-confidence', () => {
    expect(mapGatherResult(gather({ reason: 'speechDetected', speech: speech('mumble', 0.2) }), 0.4).input).toEqual({ kind: 'low-confidence', text: 'mumble', confidence: 0.2 });
    expect(mapGatherResult(gather({ reason: 'stt-low-confidence', speech: speech('mm', 0.1) }), 0.4).input).toEqual({ kind: 'low-confidence', text: 'mm', confidence: 0.1 });
    expect(mapGatherResult(gather({ reason: 'stt-low-confidence' }), 0.4).input).toEqual({ kind: 'low-confidence' });
  });

  it('maps a timeout, an empty transcript and empty digits to silence', () => {
    expect(mapGatherResult(gather({ reason: 'timeout' }), 0.4)).toEqual({ input: { kind: 'silence' }, text: '', confidence: null, sttLatencyMs: null });
    expect(mapGatherResult(gather({ reason: 'speechDetected', speech: speech('   ', 0.9) }), 0.4).input).toEqual({ kind: 'silence' });
    expect(mapGatherResult(gather({ reason: 'speechDetected', speech: { alternatives: [] } }), 0.4).input).toEqual({ kind: 'silence' });
    expect(mapGatherResult(gather({ reason: 'dtmfDetected', digits: '' }), 0.4).input).toEqual({ kind: 'silence' });
  });

  it('maps keys to dtmf, keeping only keypad characters', () => {
    expect(mapGatherResult(gather({ reason: 'dtmfDetected', digits: '12#' }), 0.4)).toMatchObject({ input: { kind: 'dtmf', digits: '12#' }, text: '12#' });
    expect(mapGatherResult(gather({ reason: 'dtmfDetected', digits: '1<2>' }), 0.4).input).toEqual({ kind: 'dtmf', digits: '12' });
  });

  it('maps errors and reasons it does not know to error', () => {
    expect(mapGatherResult(gather({ reason: 'error', details: 'stt failed' }), 0.4).input).toEqual({ kind: 'error' });
    expect(mapGatherResult(gather({ reason: 'something-new' }), 0.4).input).toEqual({ kind: 'error' });
  });

  it('reads the latency as a number too, and ignores nonsense', () => {
    expect(mapGatherResult(gather({ reason: 'timeout', stt_latency_ms: 250.4 }), 0.4).sttLatencyMs).toBe(250);
    expect(mapGatherResult(gather({ reason: 'timeout', stt_latency_ms: 'n/a' }), 0.4).sttLatencyMs).toBeNull();
  });
});

import { BARGE_IN_MARGIN_MS, DEFAULT_END_OF_SPEECH_MS, type GatherSpeechTiming, detectBargeIn, speechTimingOf } from './barge-in';
import { gatherResultSchema } from './hook-payloads';

/** Our answer left at this instant (ms, our clock). */
const T = Date.parse('2026-03-09T14:15:00Z');
/** jambonz's clock in unix seconds: an hour and a bit off ours, which must not matter. */
const J = Math.floor(T / 1000) + 3_700;
/** 20 words: 8 s at 150 words a minute. */
const LONG_PROMPT = 'I can book you for a teeth cleaning tomorrow at ten in the morning with Lopez. Shall I book it?';
/** 5 words: 2 s. */
const SHORT_PROMPT = 'Anything else I can do?';
const words = (n: number) => Array.from({ length: n }, () => 'word').join(' ');
const timing = (over: Partial<GatherSpeechTiming>): GatherSpeechTiming => ({ sttStartTime: null, sttStopTime: null, talkspurts: [], latencyMs: null, ...over });

describe('speechTimingOf', () => {
  it('reads the timing jambonz adds to a gather result, its talk spurts sorted, the last latency', () => {
    const payload = gatherResultSchema.parse({
      call_sid: 'c1',
      reason: 'speechDetected',
      speech: { alternatives: [{ transcript: 'yes', confidence: 0.9 }] },
      stt_latency_ms: '380,412',
      stt_talkspurts: JSON.stringify([[J + 3, J + 5], [J + 1, J + 2]]),
      stt_start_time: J,
      stt_stop_time: J + 6,
      stt_usage: '6.00',
    });
    expect(speechTimingOf(payload)).toEqual({ sttStartTime: J, sttStopTime: J + 6, talkspurts: [[J + 1, J + 2], [J + 3, J + 5]], latencyMs: 412 });
  });

  it('takes numbers written as strings, leaves malformed parts out, and is null when jambonz sent none of it', () => {
    expect(speechTimingOf({ stt_start_time: String(J), stt_talkspurts: 'not json', stt_latency_ms: 250 })).toEqual({ sttStartTime: J, sttStopTime: null, talkspurts: [], latencyMs: 250 });
    expect(speechTimingOf({ stt_talkspurts: [[J + 2, J + 1], [J, 'x'], 'y', [J + 4, J + 4]], stt_stop_time: 0 })).toEqual({ sttStartTime: null, sttStopTime: null, talkspurts: [[J + 4, J + 4]], latencyMs: null });
    expect(speechTimingOf({})).toBeNull();
    expect(speechTimingOf({ stt_talkspurts: '[]', stt_latency_ms: '' })).toBeNull();
  });

  it('never refuses a turn over a malformed measurement', () => {
    expect(gatherResultSchema.safeParse({ call_sid: 'c1', reason: 'speechDetected', stt_talkspurts: { odd: true }, stt_start_time: 'soon' }).success).toBe(true);
  });
});

describe('detectBargeIn', () => {
  const base = { answeredAtMs: T, promptText: LONG_PROMPT };

  it('is never a barge-in without a prompt, without anything from the caller, or with clocks that disagree', () => {
    expect(detectBargeIn({ ...base, promptText: '', hookAtMs: T + 500, callerText: 'hello' })).toMatchObject({ bargedIn: false, basis: 'no_prompt' });
    expect(detectBargeIn({ ...base, hookAtMs: T + 500, callerText: '  ' })).toMatchObject({ bargedIn: false, basis: 'no_input', promptMs: 8000 });
    expect(detectBargeIn({ ...base, hookAtMs: T - 2000, callerText: 'yes' })).toMatchObject({ bargedIn: false, basis: 'clock_skew' });
  });

  it('is a barge-in when the result came back before the prompt could have been said, words or keys', () => {
    expect(detectBargeIn({ ...base, hookAtMs: T + 3000, callerText: 'yes' })).toEqual({ bargedIn: true, basis: 'hook_early', promptMs: 8000, callerStartMs: 3000 - DEFAULT_END_OF_SPEECH_MS - 1000 });
    expect(detectBargeIn({ ...base, hookAtMs: T + 2500, callerText: '1' })).toMatchObject({ bargedIn: true, basis: 'hook_early' });
  });

  it('estimates from the caller\'s words and the end-of-speech wait: an answer after the prompt is not one, a long sentence begun over its end is', () => {
    // Prompt 0–8 s; "yes please" (1 s) said at 8.3 s reaches us at 10.1 s.
    expect(detectBargeIn({ ...base, hookAtMs: T + 10_100, callerText: 'yes please' })).toEqual({ bargedIn: false, basis: 'estimate', promptMs: 8000, callerStartMs: 8300 });
    // Fifteen words (6 s) ending at 11.7 s began at 5.7 s, well inside the prompt.
    expect(detectBargeIn({ ...base, hookAtMs: T + 12_500, callerText: words(15) })).toMatchObject({ bargedIn: true, basis: 'estimate', callerStartMs: 5700 });
    // jambonz's own end-of-speech latency, when it gives it, replaces the usual wait.
    expect(detectBargeIn({ ...base, hookAtMs: T + 10_100, callerText: 'yes please', timing: timing({ latencyMs: 3500 }) })).toMatchObject({ bargedIn: true, basis: 'estimate', callerStartMs: 5600 });
  });

  it('counts the prompt from the end of what was said before it', () => {
    const late = { answeredAtMs: T, promptText: SHORT_PROMPT, hookAtMs: T + 6500, callerText: 'yes' };
    expect(detectBargeIn(late)).toMatchObject({ bargedIn: false, callerStartMs: 4700 });
    // A 4-second disclosure first: the 2-second prompt ran 4–6 s, and the caller began at 4.7 s.
    expect(detectBargeIn({ ...late, leadInText: 'Hello, you are speaking with Ava, the virtual assistant.' })).toMatchObject({ bargedIn: true, basis: 'estimate', callerStartMs: 700 });
  });

  it('trusts jambonz\'s talk spurts over the estimate, placed on our clock by its stop time whatever its clock says', () => {
    // Only "no" in the transcript (the estimate would say 8.4 s), but jambonz heard the caller from 2 s on.
    const early = timing({ sttStartTime: J, sttStopTime: J + 10, talkspurts: [[J + 2, J + 9]] });
    expect(detectBargeIn({ ...base, hookAtMs: T + 10_200, callerText: 'no', timing: early })).toEqual({ bargedIn: true, basis: 'talkspurts', promptMs: 8000, callerStartMs: 2200 });
    // Twenty-five words (the estimate would say 4.4 s), but the first spurt began at 9 s: after the prompt.
    const after = timing({ sttStartTime: J, sttStopTime: J + 15, talkspurts: [[J + 9, J + 14]] });
    expect(detectBargeIn({ ...base, hookAtMs: T + 15_200, callerText: words(25), timing: after })).toMatchObject({ bargedIn: false, basis: 'talkspurts', callerStartMs: 9200 });
    // A recognizer restarted mid-prompt (its start at 5 s) does not move the stop-anchored spurt.
    const restarted = timing({ sttStartTime: J + 5, sttStopTime: J + 10, talkspurts: [[J + 6, J + 9]] });
    expect(detectBargeIn({ ...base, hookAtMs: T + 10_100, callerText: words(8), timing: restarted })).toMatchObject({ bargedIn: true, basis: 'talkspurts', callerStartMs: 6100 });
  });

  it('without a stop time, counts the spurts from the recognizer\'s start, which starts with the prompt', () => {
    const from = (spurt: number) => timing({ sttStartTime: J, talkspurts: [[J + spurt, J + spurt + 2]] });
    expect(detectBargeIn({ ...base, hookAtMs: T + 12_000, callerText: 'no', timing: from(3) })).toMatchObject({ bargedIn: true, basis: 'talkspurts_from_start', callerStartMs: 3000 });
    expect(detectBargeIn({ ...base, hookAtMs: T + 12_000, callerText: 'no', timing: from(9) })).toMatchObject({ bargedIn: false, basis: 'talkspurts_from_start', callerStartMs: 9000 });
  });

  it('leaves the prompt\'s last stretch out: a second, or a fifth of a long prompt', () => {
    // A 3-second prompt: beginning at 2 s is its last second, not a barge-in; at 1 s it is.
    const prompt = 'one two three four five six seven';
    const at = (second: number) => detectBargeIn({ answeredAtMs: T, promptText: prompt, hookAtMs: T + 9000, callerText: 'no', timing: timing({ sttStartTime: J, talkspurts: [[J + second, J + second + 1]] }) });
    expect(at(2)).toMatchObject({ bargedIn: false, promptMs: 3000 });
    expect(at(1)).toMatchObject({ bargedIn: true });
    expect(BARGE_IN_MARGIN_MS).toBe(1000);
    // The 8-second prompt keeps 1.6 s: a start at 6.6 s is not a barge-in, at 6.2 s it is.
    const long = (startMs: number) => detectBargeIn({ ...base, hookAtMs: T + startMs + 1000 + DEFAULT_END_OF_SPEECH_MS, callerText: 'sure' });
    expect(long(6600)).toMatchObject({ bargedIn: false, basis: 'estimate', callerStartMs: 6600 });
    expect(long(6200)).toMatchObject({ bargedIn: true, basis: 'estimate', callerStartMs: 6200 });
  });
});

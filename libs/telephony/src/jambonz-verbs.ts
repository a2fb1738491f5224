/**
 * The verbs we answer jambonz with, as plain JSON in the shapes of `@jambonz/node-client`'s
 * `WebhookResponse`. Building them checks nothing (its per-verb check cost more than the rest of a
 * turn): a whole response is checked with `@jambonz/verb-specifications`, the validator jambonz itself
 * runs, where it matters — the first hook, since a response jambonz refuses there makes it reject the
 * call with SIP 480 (see {@link verbProblem}) — and the tests check every response they receive.
 */

/** One jambonz verb as JSON: `{ verb: 'say', text: '…' }`. */
export type JambonzVerb = { verb: string } & Record<string, unknown>;

// The package ships no types; this is the part we use.
const verbSpecifications = require('@jambonz/verb-specifications') as { validate(logger: unknown, verbs: unknown): void };
const silentLogger = { info: () => undefined, debug: () => undefined, warn: () => undefined, error: () => undefined };

/** Where jambonz sends each result; relative, so jambonz resolves them against the call hook's origin. */
export const HOOK_PATHS = {
  call: '/hooks/jambonz/call',
  turn: '/hooks/jambonz/turn',
  status: '/hooks/jambonz/status',
  dial: '/hooks/jambonz/dial',
  voicemail: '/hooks/jambonz/voicemail',
  /** After a transfer nobody took: the caller's choice between a message and a call back (a gather's result). */
  followup: '/hooks/jambonz/transfer-followup',
  /** A warm transfer's `confirmHook`: what the human hears before being bridged. */
  whisper: '/hooks/jambonz/whisper',
  /** An `enqueue`'s actionHook: how the caller left the queue. */
  queue: '/hooks/jambonz/queue',
  /** An `enqueue`'s waitHook: what the caller hears while waiting (asked again and again). */
  queueWait: '/hooks/jambonz/queue-wait',
  /** A staff phone's `dequeue` actionHook. */
  dequeue: '/hooks/jambonz/dequeue',
} as const;

/** The voice and ears of a call: jambonz's `synthesizer` and `recognizer` objects. */
export interface CallVoice {
  synthesizer: { vendor: string; voice: string; language: string; label?: string };
  recognizer: { vendor: string; language: string };
}

/** Seconds a gather waits for the caller to start speaking or pressing keys. */
const GATHER_TIMEOUT_SECONDS = 8;
/** Seconds a transfer rings before it counts as not answered. */
const DIAL_TIMEOUT_SECONDS = 25;
/** Seconds the voicemail waits for the caller to begin their message. */
const VOICEMAIL_TIMEOUT_SECONDS = 12;
/**
 * Seconds a staff phone's `dequeue` waits for a caller. Without it jambonz polls an empty queue until
 * the staff member hangs up; with it an empty queue ends the verb with `dequeue_result: timeout`.
 */
const DEQUEUE_TIMEOUT_SECONDS = 6;

function say(text: string, voice: CallVoice): JambonzVerb[] {
  return text ? [{ verb: 'say', text, synthesizer: voice.synthesizer }] : [];
}

/** The agent speaks (the caller can interrupt it), then listens for speech or keys; the result goes to the turn hook. */
export function listenVerbs(text: string, voice: CallVoice, before: JambonzVerb[] = []): JambonzVerb[] {
  return before.concat({
    verb: 'gather',
    input: ['speech', 'digits'],
    actionHook: HOOK_PATHS.turn,
    bargein: true,
    dtmfBargein: true,
    finishOnKey: '#',
    interDigitTimeout: 4,
    timeout: GATHER_TIMEOUT_SECONDS,
    recognizer: voice.recognizer,
    say: { text, synthesizer: voice.synthesizer },
  });
}

/**
 * The agent speaks, then the call is put through to `to`; the result goes to the dial hook. A warm
 * transfer (`whisper`) adds a `confirmHook`: once the human answers, jambonz asks the whisper hook what
 * to play on their leg alone, and bridges the caller after it.
 */
export function transferVerbs(text: string, to: string, voice: CallVoice, before: JambonzVerb[] = [], options: { whisper?: boolean } = {}): JambonzVerb[] {
  return before.concat(say(text, voice), {
    verb: 'dial',
    target: [{ type: 'phone', number: to }],
    actionHook: HOOK_PATHS.dial,
    answerOnBridge: true,
    timeout: DIAL_TIMEOUT_SECONDS,
    ...(options.whisper ? { confirmHook: HOOK_PATHS.whisper } : {}),
  });
}

/** What the human hears before a warm transfer bridges: jambonz allows only verbs that need no new call here. */
export function whisperVerbs(text: string, voice: CallVoice): JambonzVerb[] {
  return say(text, voice);
}

/**
 * After a transfer nobody took: the agent asks "a message, or a call back?" and listens for a word or a
 * key (1 or 2); the answer goes to the follow-up hook.
 */
export function offerVerbs(text: string, voice: CallVoice, before: JambonzVerb[] = []): JambonzVerb[] {
  return before.concat({
    verb: 'gather',
    input: ['speech', 'digits'],
    actionHook: HOOK_PATHS.followup,
    bargein: true,
    dtmfBargein: true,
    numDigits: 1,
    timeout: GATHER_TIMEOUT_SECONDS,
    recognizer: voice.recognizer,
    say: { text, synthesizer: voice.synthesizer },
  });
}

/** The agent speaks, then the caller waits in the client's queue `name`; the wait hook fills the wait, the queue hook gets the result. */
export function enqueueVerbs(text: string, name: string, voice: CallVoice): JambonzVerb[] {
  return say(text, voice).concat({ verb: 'enqueue', name, actionHook: HOOK_PATHS.queue, waitHook: HOOK_PATHS.queueWait });
}

/**
 * One round of a queue's wait (a waitHook answer: jambonz allows only play, say, pause, leave and tag
 * there, and asks again when the round is over). `announce` is said first; then `seconds` of hold music
 * (looped and cut at that length) or, without music, of silence. `leave` takes the caller out of the
 * queue instead: the queue hook then receives `queue_result: leave`.
 */
export function queueWaitVerbs(round: { announce?: string; musicUrl?: string | null; seconds: number; leave?: boolean }, voice: CallVoice): JambonzVerb[] {
  if (round.leave) return [{ verb: 'leave' }];
  const spoken = say(round.announce ?? '', voice);
  const seconds = Math.round(round.seconds);
  // An announcement that fills the round alone needs no hold; an empty round would stop jambonz asking.
  if (seconds < 1 && spoken.length > 0) return spoken;
  const hold: JambonzVerb = round.musicUrl
    ? { verb: 'play', url: round.musicUrl, loop: 'forever', timeoutSecs: Math.max(1, seconds) }
    : { verb: 'pause', length: Math.max(1, seconds) };
  return spoken.concat(hold);
}

/** A staff phone takes the next caller out of the client's queue `name`; an empty queue times out, and the dequeue hook says so. */
export function dequeueVerbs(text: string, name: string, voice: CallVoice): JambonzVerb[] {
  return say(text, voice).concat({ verb: 'dequeue', name, actionHook: HOOK_PATHS.dequeue, timeout: DEQUEUE_TIMEOUT_SECONDS, beep: true });
}

/**
 * The agent invites a message, then listens to it: jambonz transcribes it and sends the text to the
 * voicemail hook, which keeps it as the caller's message.
 */
export function voicemailVerbs(text: string, voice: CallVoice, before: JambonzVerb[] = []): JambonzVerb[] {
  return before.concat(say(text, voice), {
    verb: 'gather',
    input: ['speech'],
    actionHook: HOOK_PATHS.voicemail,
    bargein: false,
    timeout: VOICEMAIL_TIMEOUT_SECONDS,
    recognizer: voice.recognizer,
  });
}

/** The agent says goodbye (or a closing message), then hangs up. */
export function hangupVerbs(text: string, voice: CallVoice, before: JambonzVerb[] = []): JambonzVerb[] {
  return before.concat(say(text, voice), { verb: 'hangup' });
}

/** Spoken notices (AI disclosure, recording notice), then recording starts when `recordTo` is a SIPREC server. */
export function noticeVerbs(text: string, voice: CallVoice, record?: { siprecServerURL: string; recordingID: string }): JambonzVerb[] {
  const verbs = say(text, voice);
  if (record) verbs.push({ verb: 'config', record: { action: 'startCallRecording', siprecServerURL: record.siprecServerURL, recordingID: record.recordingID } });
  return verbs;
}

/**
 * The last resort: plain verbs that need nothing but the text, checked once at boot, for when our own
 * verbs fail validation or anything else goes wrong on a hook.
 */
export function safeVerbs(text: string): JambonzVerb[] {
  return [{ verb: 'say', text }, { verb: 'hangup' }];
}

/** Responses already checked, by their JSON: a client's first answer is the same call after call. */
const checked = new Map<string, string | null>();
const MAX_CHECKED = 512;

/**
 * jambonz's own complaint about a response (`dial: missing value for target`), or null when it would
 * accept it. What is checked is the response as jambonz receives it, its JSON; the verdict on a JSON
 * already checked is remembered (the validator reads nothing else), so the first hook of a client's
 * calls pays for the check once.
 */
export function verbProblem(verbs: unknown): string | null {
  let json: string | undefined;
  try {
    json = JSON.stringify(verbs);
  } catch (error) {
    return `the response is not JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (json === undefined) return problemOf(verbs);
  const known = checked.get(json);
  if (known !== undefined) return known;
  const problem = problemOf(JSON.parse(json));
  if (checked.size >= MAX_CHECKED) checked.clear();
  checked.set(json, problem);
  return problem;
}

function problemOf(verbs: unknown): string | null {
  try {
    verbSpecifications.validate(silentLogger, verbs);
    return null;
  } catch (error) {
    return typeof (error as { message?: unknown })?.message === 'string' ? (error as { message: string }).message : String(error);
  }
}

/** What the agent says in a response, in order (`say` verbs and the prompts of `gather`), for logs, turns and the simulator. */
export function spokenText(verbs: JambonzVerb[]): string[] {
  const lines: string[] = [];
  for (const verb of verbs) {
    if (verb.verb === 'say' && typeof verb.text === 'string') lines.push(verb.text);
    if (verb.verb === 'gather') {
      const prompt = verb.say as { text?: unknown } | undefined;
      if (prompt && typeof prompt.text === 'string') lines.push(prompt.text);
    }
  }
  return lines;
}

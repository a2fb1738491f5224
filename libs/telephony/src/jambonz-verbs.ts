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

/** The agent speaks, then the call is put through to `to`; the result goes to the dial hook. */
export function transferVerbs(text: string, to: string, voice: CallVoice, before: JambonzVerb[] = []): JambonzVerb[] {
  return before.concat(say(text, voice), {
    verb: 'dial',
    target: [{ type: 'phone', number: to }],
    actionHook: HOOK_PATHS.dial,
    answerOnBridge: true,
    timeout: DIAL_TIMEOUT_SECONDS,
  });
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

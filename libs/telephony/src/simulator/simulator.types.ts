/** What the caller does when the call waits for them. */
export type CallerAction =
  /** Says something; `confidence` is the recognizer's, 0–1 (0.92 when omitted). */
  | { speech: string; confidence?: number }
  /** Presses keys. */
  | { dtmf: string }
  /** Says nothing until the gather times out. */
  | { silence: true }
  /** Hangs up. */
  | { hangup: true };

/** What the caller knows when it is their turn. */
export interface ListenContext {
  /** What the agent said since the caller last acted, in order. */
  agentSaid: string[];
  /** `gather`: the agent waits for an answer; `voicemail`: a recording of the caller's message runs. */
  mode: 'gather' | 'voicemail';
  /** What the gather accepts. */
  accepts: ('speech' | 'digits')[];
  /** How many times the caller acted before (0 on the first turn). */
  turn: number;
}

/** Produces the caller's side of the conversation, from a script, a terminal prompt or a test. */
export type CallerInputSource = (context: ListenContext) => Promise<CallerAction>;

/** What a transferred call's far end does. */
export type DialOutcome = 'completed' | 'no-answer' | 'busy' | 'failed';

/** Where the simulator finds our application, and as whom it calls. */
export interface JambonzSimulatorOptions {
  /** Origin of the application: `http://localhost:3000`. Relative hook URLs resolve against it. */
  baseUrl: string;
  /** The application's call hook (default `/hooks/jambonz/call`). */
  callHook?: string;
  /** The application's call status hook (default `/hooks/jambonz/status`). */
  statusHook?: string;
  /** The jambonz account's webhook secret; `null` sends unsigned requests, as an account without one does. */
  secret: string | null;
  accountSid: string;
  applicationSid?: string;
  /** The call's clock in ms, for `duration` (default `Date.now`). Signatures always use the real time, as jambonz does. */
  clock?: () => number;
  /** What the far end of a `dial` does (default: answers, talks, hangs up: `completed`). */
  dial?: (target: { type: string; number?: string; sipUri?: string; name?: string }) => DialOutcome;
  /** Give up after this many hooks in one call (default 200): a loop in the application. */
  maxHooks?: number;
  /** Per-request time limit in ms (default 10 000, jambonz's). */
  timeoutMs?: number;
  /**
   * How a hook request travels (default: the global `fetch`, over the network). The server's "talk to
   * your agent" passes one that hands the request to its own HTTP stack in-process, so its hooks run as
   * for jambonz without the server having to reach its own public address.
   */
  fetch?: typeof fetch;
}

/** One call to place. */
export interface SimulatedCallRequest {
  /** Caller id, E.164. */
  from: string;
  /** The dialled number, E.164. */
  to: string;
  callerName?: string;
  /** Speech language of the call: `en-US`, `es-ES`, `fr-FR` (default `en-US`). */
  language?: string;
  envVars?: Record<string, string>;
  input: CallerInputSource;
}

/** A line of the conversation. */
export interface TranscriptEntry {
  /** `system`: what the platform did (a transfer, a recording, a hang-up), not words anyone said. */
  speaker: 'agent' | 'caller' | 'system';
  text: string;
  /** The verb that produced it, or the caller's kind of input (`speech`, `dtmf`, `silence`). */
  kind: string;
  /** Milliseconds since the call began, on the simulator's clock. */
  atMs: number;
}

/** One request the simulator made and what came back. */
export interface HookExchange {
  hook: 'call' | 'action' | 'status';
  url: string;
  payload: Record<string, unknown>;
  status: number;
  /** The verbs the application answered with, when it answered any. */
  verbs: Record<string, unknown>[] | null;
  elapsedMs: number;
}

/** How the call ended, for tests and the CLI to check without reading the transcript. */
export interface CallOutcomeHints {
  endedBy:
    | 'agent' /* a hangup verb */
    | 'caller' /* the caller hung up */
    | 'application' /* the verbs ran out */
    | 'transfer' /* a dial connected and the application had nothing more to do */
    | 'declined' /* sip:decline */
    | 'rejected' /* the first hook failed: real jambonz answers 480 */;
  transfers: { to: string; status: DialOutcome }[];
  /** The message the caller left when a recording verb ran. */
  voicemail: string | null;
  /** Whether `config.record` started a call recording, and how many agent lines were spoken before it. */
  recording: { started: boolean; agentLinesBefore: number };
  durationSeconds: number;
  callerTurns: number;
  /** The last SIP status a `sip:decline` sent, when one did. */
  declinedWith?: number;
}

/** A finished simulated call. */
export interface SimulatedCall {
  callSid: string;
  transcript: TranscriptEntry[];
  exchanges: HookExchange[];
  outcome: CallOutcomeHints;
}

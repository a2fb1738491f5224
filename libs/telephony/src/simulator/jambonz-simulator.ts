import { randomUUID } from 'node:crypto';
import {
  type SimulatedCallIdentity,
  type SimulatedCallState,
  type SimulatedCallStatus,
  callHookPayload,
  callInfoPayload,
  dialedLegPayload,
  newCallIdentity,
  queueWaitPayload,
} from './call-payloads';
import { HookClient, type HookReply, validateVerbs } from './hook-client';
import {
  DEQUEUE_FIRST_LOOK_MS,
  DEQUEUE_GIVE_UP_MS,
  WAIT_HOOK_VERBS,
  WAIT_ROUND_GAP_MS,
  dequeueScriptFor,
  queuePositionAt,
  queueScriptFor,
  waitVerbMs,
} from './simulated-queue';
import { SimulatorError } from './simulator.error';
import type {
  CallOutcomeHints,
  CallerAction,
  DialOutcome,
  HookExchange,
  JambonzSimulatorOptions,
  QueueResult,
  SimulatedCall,
  SimulatedCallRequest,
  TranscriptEntry,
} from './simulator.types';

type VerbData = Record<string, unknown>;
interface Verb {
  name: string;
  data: VerbData;
}

/** What running one verb did to the call. */
type Step = 'continue' | 'ended';

/** A `dial` target as the verb gives it. */
interface DialTarget {
  type: string;
  number?: string;
  sipUri?: string;
  name?: string;
  confirmHook?: unknown;
}

const DIAL_SIP_STATUS: Record<DialOutcome, number> = { completed: 200, 'no-answer': 487, busy: 486, failed: 503 };
const DEFAULT_CONFIDENCE = 0.92;

/** `config` options that change nothing a simulated caller could notice. */
const CONFIG_NO_OPS = new Set([
  'id',
  'synthesizer',
  'recognizer',
  'record',
  'notifyEvents',
  'notifySttLatency',
  'reset',
  'onHoldMusic',
  'actionHookDelayAction',
  'fillerNoise',
  'vad',
  'earlyMedia',
  'autoStreamTts',
  'disableTtsCache',
  'trackTtsPlayout',
  'noiseIsolation',
  'turnTaking',
  'boostAudioSignal',
  'ttsStream',
  'sipRequestWithinDialogHook',
  'referHook',
]);

/**
 * Plays jambonz 0.9.x's part of inbound calls against an application: posts the signed call hook with
 * the payload jambonz sends, validates every answer with `@jambonz/verb-specifications` as jambonz
 * does, and executes the verbs like its feature server — `say`/`play` (what the agent says),
 * `config`, `pause`, `tag`, `gather` (the caller's next input goes to the action hook as
 * `speechDetected`, `dtmfDetected` or `timeout`), `dial` (the far end's result to the action hook),
 * `listen`/`transcribe` as voicemail recorders, `sip:decline`, `hangup` — and sends the call status
 * hooks (`trying`, `ringing`, `in-progress`, `completed` with the duration). An action hook's
 * non-empty answer replaces the verbs left; an empty one lets them continue. A verb or option it does
 * not play is an explicit {@link SimulatorError}, never a silent skip.
 *
 * Transfers and queues: a `dial` answered by the far end (the `dial` option decides) first runs its
 * `confirmHook` on the human's leg, as jambonz does for a warm transfer, and notes what the human hears.
 * An `enqueue` asks its waitHook round after round (`queue_time`, `queue_position`, `queue_size`), plays
 * what it answers (play, say, pause, tag, and `leave`, which ends the wait), until the `queue` option's
 * outcome (bridged by a staff member, the caller hanging up, a bridge error) or `leave`; then its
 * actionHook gets `queue_result`. A staff phone's `dequeue` finds what the `dequeue` option says and
 * tells its actionHook `dequeue_result`. Waits run on the simulator's clock: nothing sleeps.
 *
 * The CLI (`tero call`), the tests and the dashboard's "talk to your agent" use it.
 */
export class JambonzSimulator {
  private readonly base: URL;
  private readonly client: HookClient;

  constructor(private readonly options: JambonzSimulatorOptions) {
    try {
      this.base = new URL(options.baseUrl);
    } catch {
      throw new SimulatorError('simulator.bad_request', `baseUrl "${options.baseUrl}" is not a URL`, null, { field: 'baseUrl' });
    }
    if (!options.accountSid) throw new SimulatorError('simulator.bad_request', 'accountSid is required', null, { field: 'accountSid' });
    // A fixed script is checked now, so that a wrong one fails before any call is placed.
    if (options.queue && typeof options.queue === 'object') queueScriptFor(options.queue, '');
    if (options.dequeue && typeof options.dequeue === 'object') dequeueScriptFor(options.dequeue, '');
    this.client = new HookClient(options.secret, options.timeoutMs ?? 10_000, options.fetch);
  }

  /** Places one inbound call and plays it to its end. Throws {@link SimulatorError} (with the call so far) on a protocol fault. */
  async call(request: SimulatedCallRequest): Promise<SimulatedCall> {
    for (const field of ['from', 'to'] as const) {
      if (typeof request[field] !== 'string' || !request[field].trim()) {
        throw new SimulatorError('simulator.bad_request', `${field} is required (the ${field === 'from' ? 'caller id' : 'dialled number'})`, null, { field });
      }
    }
    const identity = newCallIdentity({
      from: request.from,
      to: request.to,
      callerName: request.callerName,
      accountSid: this.options.accountSid,
      applicationSid: this.options.applicationSid,
      language: request.language,
      envVars: request.envVars,
    });
    return new SimulatedCallRun(this.options, this.base, this.client, identity, request).run();
  }
}

/** One call's state while it plays. */
class SimulatedCallRun {
  private readonly clock: () => number;
  private readonly startedAt: number;
  private answeredAt: number | null = null;
  private readonly state: SimulatedCallState = { status: 'trying', sipStatus: 100, sipReason: 'Trying' };
  private readonly transcript: TranscriptEntry[] = [];
  private readonly exchanges: HookExchange[] = [];
  private readonly outcome: CallOutcomeHints = {
    endedBy: 'application',
    transfers: [],
    queues: [],
    dequeues: [],
    voicemail: null,
    recording: { started: false, agentLinesBefore: 0 },
    durationSeconds: 0,
    callerTurns: 0,
  };
  private queue: Verb[] = [];
  private agentSaidSinceCaller: string[] = [];
  private language: string;
  /** Time the call spent waiting on the simulator's clock (a queue, a bridge), added to the options' clock. */
  private waitedMs = 0;
  /** Whether the last transfer reached a human (a dial answered, a queue bridged, a dequeue completed). */
  private connected = false;

  constructor(
    private readonly options: JambonzSimulatorOptions,
    private readonly base: URL,
    private readonly client: HookClient,
    private readonly identity: SimulatedCallIdentity,
    private readonly request: SimulatedCallRequest,
  ) {
    this.clock = options.clock ?? Date.now;
    this.startedAt = this.clock();
    this.language = identity.language;
  }

  async run(): Promise<SimulatedCall> {
    const first = await this.firstHook();
    await this.status('trying', 100, 'Trying');
    await this.status('ringing', 180, 'Ringing');
    this.answeredAt = this.now();
    await this.status('in-progress', 200, 'OK');
    this.queue = first;
    try {
      let ended = false;
      while (this.queue.length > 0 && !ended) {
        const verb = this.queue.shift()!;
        ended = (await this.execute(verb)) === 'ended';
      }
      if (!ended && this.outcome.endedBy === 'application' && this.connected) this.outcome.endedBy = 'transfer';
    } catch (error) {
      if (error instanceof SimulatorError) {
        await this.complete().catch(() => undefined);
        throw error.withCall(this.result());
      }
      throw error;
    }
    await this.complete();
    return this.result();
  }

  /** The call hook. A failure or an invalid answer is what jambonz turns into SIP 480: the caller hears nothing. */
  private async firstHook(): Promise<Verb[]> {
    const url = this.resolve(this.options.callHook ?? '/hooks/jambonz/call');
    let fault: SimulatorError;
    try {
      const reply = await this.post('call', url, callHookPayload(this.identity));
      if (![200, 202, 204].includes(reply.status)) fault = new SimulatorError('simulator.hook_failed', `the call hook answered ${reply.status}: ${reply.text}`, null, { hook: url });
      else if (!Array.isArray(reply.json) || reply.json.length === 0) fault = new SimulatorError('simulator.hook_failed', `the call hook answered no verbs: ${reply.text}`, null, { hook: url });
      else return this.checkedVerbs(reply.json, 'the call hook');
    } catch (error) {
      if (!(error instanceof SimulatorError)) throw error;
      fault = error;
    }
    this.outcome.endedBy = 'rejected';
    this.system(`call rejected with SIP 480: ${fault.message}`, 'reject');
    await this.status('failed', 480, 'Temporarily Unavailable');
    throw fault.withCall(this.result());
  }

  private async execute(verb: Verb): Promise<Step> {
    const { name, data } = verb;
    switch (name) {
      case 'say':
        this.say(data);
        return 'continue';
      case 'play':
        this.agent(`[plays ${String(data.url)}]`, 'play');
        return 'continue';
      case 'pause':
        return 'continue';
      case 'config':
        this.config(data);
        return 'continue';
      case 'tag':
        this.state.customerData = data.data as Record<string, unknown>;
        return 'continue';
      case 'gather':
        return this.gather(data);
      case 'dial':
        return this.dial(data);
      case 'enqueue':
        return this.enqueue(data);
      case 'dequeue':
        return this.dequeue(data);
      case 'leave':
        // jambonz's leave ends an enqueue's wait; anywhere else it waits for nothing, and the caller hears silence.
        throw new SimulatorError('simulator.unsupported_verb', 'the "leave" verb only ends a wait in a queue (an enqueue\'s waitHook answer)', null, { verb: name });
      case 'listen':
        return this.voicemail(data, 'listen');
      case 'transcribe':
        return this.voicemail(data, 'transcribe');
      case 'hangup':
        this.outcome.endedBy = 'agent';
        this.system('the agent hung up', 'hangup');
        return 'ended';
      case 'sip:decline': {
        const status = typeof data.status === 'number' ? data.status : 603;
        this.outcome.endedBy = 'declined';
        this.outcome.declinedWith = status;
        this.system(`call declined with SIP ${status}`, 'sip:decline');
        return 'ended';
      }
      default:
        throw new SimulatorError('simulator.unsupported_verb', `the simulator does not play the "${name}" verb`, null, { verb: name });
    }
  }

  private say(data: VerbData): void {
    const text = spokenOf(data);
    if (text) this.agent(text, 'say');
  }

  private config(data: VerbData): void {
    for (const key of Object.keys(data)) {
      if (CONFIG_NO_OPS.has(key)) continue;
      const value = data[key] as { enable?: boolean } | undefined;
      if (['bargeIn', 'listen', 'stream', 'transcribe'].includes(key) && value?.enable === false) continue;
      throw new SimulatorError('simulator.unsupported_verb', `the simulator does not play config.${key}`, null, { verb: 'config', option: key });
    }
    const recognizer = data.recognizer as { language?: string } | undefined;
    if (recognizer?.language) this.language = recognizer.language;
    const record = data.record as { action?: string } | undefined;
    if (record?.action === 'startCallRecording' && !this.outcome.recording.started) {
      this.outcome.recording = { started: true, agentLinesBefore: this.transcript.filter((e) => e.speaker === 'agent').length };
      this.system('call recording started', 'config.record');
    }
  }

  private async gather(data: VerbData): Promise<Step> {
    if (data.say) this.say(data.say as VerbData);
    if (data.play) this.agent(`[plays ${String((data.play as VerbData).url)}]`, 'play');
    const accepts = (Array.isArray(data.input) ? data.input : ['digits']).filter((i): i is 'speech' | 'digits' => i === 'speech' || i === 'digits');
    const action = await this.caller('gather', accepts);
    if ('hangup' in action) return this.callerHangsUp();
    let results: Record<string, unknown>;
    if ('speech' in action && accepts.includes('speech')) {
      const confidence = action.confidence ?? DEFAULT_CONFIDENCE;
      const minConfidence = (data.recognizer as { minConfidence?: number } | undefined)?.minConfidence;
      const speech = { language_code: this.language, channel_tag: 1, is_final: true, alternatives: [{ confidence, transcript: action.speech }] };
      results = { reason: minConfidence !== undefined && confidence < minConfidence ? 'stt-low-confidence' : 'speechDetected', speech };
    } else if ('dtmf' in action && accepts.includes('digits')) {
      results = { reason: 'dtmfDetected', digits: action.dtmf };
    } else {
      results = { reason: 'timeout' };
    }
    return this.performAction(data.actionHook, results);
  }

  private async dial(data: VerbData): Promise<Step> {
    const targets = data.target as DialTarget[];
    let outcome: DialOutcome = 'failed';
    let legSid = randomUUID();
    for (const target of targets) {
      legSid = randomUUID();
      const { confirmHook, ...far } = target;
      outcome = this.options.dial?.(far) ?? 'completed';
      const to = target.number ?? target.sipUri ?? target.name ?? target.type;
      const transfer: CallOutcomeHints['transfers'][number] = { to, status: outcome };
      this.outcome.transfers.push(transfer);
      // A target's own confirmHook wins over the dial's, as in jambonz.
      const confirm = confirmHook ?? data.confirmHook;
      if (outcome === 'completed' && confirm !== undefined) {
        const whisper = await this.confirm(confirm, { callSid: legSid, to, customerData: isObject(data.tag) ? data.tag : undefined });
        if (whisper) transfer.whisper = whisper;
      }
      this.system(`transfer to ${to}: ${outcome}`, 'dial');
      if (outcome === 'completed') break;
    }
    this.connected = outcome === 'completed';
    return this.performAction(data.actionHook, {
      dial_call_status: outcome,
      dial_sip_status: DIAL_SIP_STATUS[outcome],
      dial_call_sid: legSid,
    });
  }

  /**
   * A dial's confirmHook, once the human answered and before the caller is bridged: jambonz asks it on the
   * human's leg and plays its answer there alone (the caller hears nothing of it). An empty answer
   * bridges at once. Returns what the human heard.
   */
  private async confirm(hook: unknown, leg: { callSid: string; to: string; customerData?: Record<string, unknown> }): Promise<string | null> {
    const url = this.resolve(hookUrl(hook));
    const reply = await this.post('confirm', url, dialedLegPayload(this.identity, { ...leg, callId: `${randomUUID()}@127.0.0.1` }));
    if (![200, 202, 204].includes(reply.status)) throw new SimulatorError('simulator.hook_failed', `confirm hook ${url} answered ${reply.status}: ${reply.text}`, null, { hook: url });
    if (reply.json === null && reply.text === '') return null;
    if (!Array.isArray(reply.json)) throw new SimulatorError('simulator.hook_failed', `confirm hook ${url} did not answer a JSON array: ${reply.text}`, null, { hook: url });
    const heard: string[] = [];
    for (const { name, data } of this.checkedVerbs(reply.json, `confirm hook ${url}`)) {
      let line: string | null = null;
      if (name === 'say') line = spokenOf(data);
      else if (name === 'play') line = `[plays ${urlsOf(data)}]`;
      else if (name !== 'pause' && name !== 'tag') {
        throw new SimulatorError('simulator.unsupported_verb', `the simulator does not play "${name}" in a dial's confirmHook (only say, play, pause and tag)`, null, { verb: name, hook: url });
      }
      if (line) {
        heard.push(line);
        this.system(`whisper to ${leg.to}: "${line}"`, 'whisper');
      }
    }
    return heard.length ? heard.join(' ') : null;
  }

  /**
   * The caller waits in a queue: round after round (after jambonz's half second of silence), the waitHook
   * says what to play; the wait ends when the queue script says (a staff member bridges the caller, the
   * caller hangs up, a bridge error) or when a round answers `leave`. An empty round answer stops the
   * rounds: the caller waits in silence until the script's outcome. Then the actionHook gets the result.
   */
  private async enqueue(data: VerbData): Promise<Step> {
    const name = String(data.name);
    const script = queueScriptFor(this.options.queue, name);
    const queueSid = `queue:${this.identity.accountSid}:${name}`;
    const joined = this.now();
    const ends = joined + script.afterSeconds * 1000;
    const elapsedSeconds = () => Math.floor((this.now() - joined) / 1000);
    this.system(`the caller waits in queue ${name}${script.ahead ? `, behind ${script.ahead} other caller(s)` : ''}`, 'enqueue');
    const waitHook = data.waitHook === undefined ? null : this.resolve(hookUrl(data.waitHook));
    let asking = waitHook !== null;
    let result: QueueResult | null = null;
    while (result === null) {
      if (!asking || !this.wait(WAIT_ROUND_GAP_MS, ends)) {
        this.wait(Infinity, ends);
        result = script.result;
        break;
      }
      const position = queuePositionAt(script, this.now() - joined);
      const payload = queueWaitPayload(this.identity, this.state, { sid: queueSid, seconds: elapsedSeconds(), position, size: position + 1 });
      const verbs = await this.waitRound(waitHook!, payload);
      if (verbs.length === 0) asking = false;
      for (const { name: verb, data: round } of verbs) {
        if (verb === 'leave') {
          result = 'leave';
          break;
        }
        if (verb === 'tag') this.state.customerData = round.data as Record<string, unknown>;
        else if (!this.hold(verb, round, ends)) {
          result = script.result;
          break;
        }
      }
    }
    const waitedSeconds = elapsedSeconds();
    this.outcome.queues.push({ name, result, waitedSeconds });
    this.connected = result === 'bridged';
    const results = () => ({ queue_sid: queueSid, queue_time: elapsedSeconds(), queue_result: result });
    switch (result) {
      case 'bridged':
        this.system(`${script.staff ? `staff (${script.staff})` : 'a staff member'} took the caller from queue ${name} after ${waitedSeconds} s; they talked for ${script.talkSeconds} s`, 'bridged');
        // jambonz tells the actionHook once the bridge is over: its queue_time counts the conversation too.
        this.waitedMs += script.talkSeconds * 1000;
        break;
      case 'leave':
        this.system(`the caller left queue ${name} after ${waitedSeconds} s (leave)`, 'leave');
        break;
      case 'error':
        this.system(`jambonz could not bridge the caller from queue ${name} after ${waitedSeconds} s`, 'error');
        break;
      case 'hangup':
        this.outcome.endedBy = 'caller';
        this.system(`the caller hung up after waiting ${waitedSeconds} s in queue ${name}`, 'hangup');
        // jambonz still tells the actionHook; whatever it answers, the call is over.
        await this.actionOfEndedCall(data.actionHook, results());
        return 'ended';
    }
    return this.performAction(data.actionHook, results());
  }

  /** Asks the waitHook for a round of the wait; jambonz refuses a round with verbs other than play, say, pause, leave and tag. */
  private async waitRound(url: string, payload: Record<string, unknown>): Promise<Verb[]> {
    const reply = await this.post('wait', url, payload);
    if (![200, 202, 204].includes(reply.status)) throw new SimulatorError('simulator.hook_failed', `wait hook ${url} answered ${reply.status}: ${reply.text}`, null, { hook: url });
    if (!Array.isArray(reply.json)) throw new SimulatorError('simulator.hook_failed', `wait hook ${url} did not answer a JSON array: ${reply.text}`, null, { hook: url });
    const verbs = this.checkedVerbs(reply.json, `wait hook ${url}`);
    const refused = verbs.find((verb) => !WAIT_HOOK_VERBS.has(verb.name));
    if (refused) {
      throw new SimulatorError(
        'simulator.invalid_verbs',
        `wait hook ${url} answered "${refused.name}": jambonz runs only play, say, pause, leave and tag while a caller waits in a queue, and stops asking the wait hook otherwise`,
        null,
        { where: url, verb: refused.name },
      );
    }
    return verbs;
  }

  /** Plays a verb of a wait round on the simulator's clock; false when the wait's outcome came while it played (it is cut there). */
  private hold(verb: string, data: VerbData, until: number): boolean {
    const length = waitVerbMs(verb, data);
    const left = until - this.now();
    const played = Math.max(0, Math.min(length, left));
    if (verb === 'say') this.say(data);
    else if (verb === 'play') this.agent(`[plays ${urlsOf(data)}, ${Math.round(played / 1000)} s]`, 'play');
    else this.system(`on hold in silence, ${Math.round(played / 1000)} s`, 'pause');
    this.waitedMs += played;
    return length < left;
  }

  /** Lets `ms` pass on the call's clock, but not beyond `until`; false when `until` was reached. */
  private wait(ms: number, until: number): boolean {
    const left = until - this.now();
    this.waitedMs += Math.max(0, Math.min(ms, left));
    return ms < left;
  }

  /**
   * A staff phone takes the next caller from a queue. jambonz looks a second after the verb starts;
   * with a caller waiting (the dequeue script says) it bridges them and tells the actionHook `complete`
   * once they are done talking, `hangup` when the bridge failed; nobody waiting ends the verb with
   * `timeout` after its timeout — without one jambonz keeps looking, and the staff member hangs up.
   */
  private async dequeue(data: VerbData): Promise<Step> {
    const name = String(data.name);
    const script = dequeueScriptFor(this.options.dequeue, name);
    const timeout = typeof data.timeout === 'number' && data.timeout > 0 ? data.timeout : null;
    this.connected = false;
    if (script.result === 'timeout') {
      if (timeout === null) {
        this.waitedMs += DEQUEUE_GIVE_UP_MS;
        this.outcome.endedBy = 'caller';
        this.system(`nobody was waiting in queue ${name}; the staff member hung up after ${DEQUEUE_GIVE_UP_MS / 1000} s`, 'dequeue');
        return 'ended';
      }
      this.waitedMs += timeout * 1000;
      this.system(`nobody was waiting in queue ${name} (timeout after ${timeout} s)`, 'dequeue');
    } else {
      this.waitedMs += DEQUEUE_FIRST_LOOK_MS;
      if (script.result === 'complete') {
        const beep = data.beep === true ? ' (beep)' : '';
        this.system(`took ${script.caller ?? 'the next caller'} from queue ${name}${beep}; they talked for ${script.talkSeconds} s`, 'dequeue');
        this.waitedMs += script.talkSeconds * 1000;
        this.connected = true;
      } else this.system(`the bridge to the caller waiting in queue ${name} failed`, 'dequeue');
    }
    this.outcome.dequeues.push({ name, result: script.result });
    return this.performAction(data.actionHook, { dequeue_result: script.result });
  }

  /** A verb that records what the caller says next as a message (jambonz streams it; the simulator hands over its transcript). */
  private async voicemail(data: VerbData, verb: 'listen' | 'transcribe'): Promise<Step> {
    const action = await this.caller('voicemail', ['speech']);
    if ('hangup' in action) return this.callerHangsUp();
    const text = 'speech' in action ? action.speech : '';
    this.outcome.voicemail = text;
    this.system(`voicemail recorded (${verb})`, verb);
    const transcriptionHook = verb === 'transcribe' ? data.transcriptionHook : (data.transcribe as VerbData | undefined)?.transcriptionHook;
    if (typeof transcriptionHook === 'string' && text) {
      const speech = { language_code: this.language, channel_tag: 1, is_final: true, alternatives: [{ confidence: DEFAULT_CONFIDENCE, transcript: text }] };
      await this.hookWithoutVerbs(transcriptionHook, { speech });
    }
    return verb === 'listen' ? this.performAction(data.actionHook, {}) : 'continue';
  }

  private async callerHangsUp(): Promise<Step> {
    this.outcome.endedBy = 'caller';
    this.system('the caller hung up', 'hangup');
    return 'ended';
  }

  /** Asks the input source for the caller's next move and writes it down. */
  private async caller(mode: 'gather' | 'voicemail', accepts: ('speech' | 'digits')[]): Promise<CallerAction> {
    const action = await this.request.input({ agentSaid: this.agentSaidSinceCaller, mode, accepts, turn: this.outcome.callerTurns });
    this.agentSaidSinceCaller = [];
    if (!action || typeof action !== 'object') throw new SimulatorError('simulator.bad_script', 'the caller input source returned nothing', null);
    if ('hangup' in action) return action;
    this.outcome.callerTurns++;
    if ('speech' in action && typeof action.speech === 'string') this.entry('caller', action.speech, mode === 'voicemail' ? 'voicemail' : 'speech');
    else if ('dtmf' in action && typeof action.dtmf === 'string' && /^[0-9*#]+$/.test(action.dtmf)) this.entry('caller', action.dtmf, 'dtmf');
    else if ('silence' in action) this.entry('caller', '…', 'silence');
    else throw new SimulatorError('simulator.bad_script', `the caller input source returned ${JSON.stringify(action)}`, null);
    return action;
  }

  /**
   * POSTs a verb's action hook with the call info and its results. A non-empty array of verbs replaces
   * what was left; an empty one lets it continue. No action hook: the results go nowhere, as in jambonz.
   */
  private async performAction(hook: unknown, results: Record<string, unknown>): Promise<Step> {
    if (hook === undefined) return 'continue';
    const url = this.resolve(hookUrl(hook));
    const reply = await this.post('action', url, { ...callInfoPayload(this.identity, this.state), ...results });
    if (![200, 202, 204].includes(reply.status)) throw new SimulatorError('simulator.hook_failed', `action hook ${url} answered ${reply.status}: ${reply.text}`, null, { hook: url });
    if (!Array.isArray(reply.json)) throw new SimulatorError('simulator.hook_failed', `action hook ${url} did not answer a JSON array: ${reply.text}`, null, { hook: url });
    const verbs = this.checkedVerbs(reply.json, `action hook ${url}`);
    if (verbs.length > 0) this.queue = verbs;
    return 'continue';
  }

  /** An action hook told after the caller hung up: jambonz sends it, and nothing it answers can play. */
  private async actionOfEndedCall(hook: unknown, results: Record<string, unknown>): Promise<void> {
    if (hook === undefined) return;
    const url = this.resolve(hookUrl(hook));
    const reply = await this.post('action', url, { ...callInfoPayload(this.identity, this.state), ...results });
    if (![200, 202, 204].includes(reply.status)) throw new SimulatorError('simulator.hook_failed', `action hook ${url} answered ${reply.status}: ${reply.text}`, null, { hook: url });
    if (Array.isArray(reply.json)) this.checkedVerbs(reply.json, `action hook ${url}`);
  }

  /** A hook whose answer jambonz ignores (a transcription). */
  private async hookWithoutVerbs(hook: string, results: Record<string, unknown>): Promise<void> {
    const url = this.resolve(hook);
    const reply = await this.post('action', url, { ...callInfoPayload(this.identity, this.state), ...results });
    if (reply.status < 200 || reply.status > 299) throw new SimulatorError('simulator.hook_failed', `hook ${url} answered ${reply.status}: ${reply.text}`, null, { hook: url });
  }

  private async status(status: SimulatedCallStatus, sipStatus: number, sipReason: string): Promise<void> {
    this.state.status = status;
    this.state.sipStatus = sipStatus;
    this.state.sipReason = sipReason;
    const url = this.resolve(this.options.statusHook ?? '/hooks/jambonz/status');
    const reply = await this.post('status', url, callInfoPayload(this.identity, this.state));
    if (reply.status < 200 || reply.status > 299) {
      throw new SimulatorError('simulator.hook_failed', `status hook (${status}) answered ${reply.status}: ${reply.text}`, this.result(), { hook: url });
    }
  }

  private async complete(): Promise<void> {
    const end = this.now();
    this.outcome.durationSeconds = this.answeredAt === null ? 0 : Math.max(0, Math.round((end - this.answeredAt) / 1000));
    this.state.duration = this.outcome.durationSeconds;
    await this.status('completed', 200, 'OK');
  }

  private async post(hook: HookExchange['hook'], url: string, payload: Record<string, unknown>): Promise<HookReply> {
    if (this.exchanges.length >= (this.options.maxHooks ?? 200)) {
      throw new SimulatorError('simulator.loop', `more than ${this.options.maxHooks ?? 200} hooks in one call: the application loops`, null);
    }
    let reply: HookReply;
    try {
      reply = await this.client.post(url, payload);
    } catch (error) {
      throw new SimulatorError('simulator.hook_failed', `${hook} hook ${url} failed: ${(error as Error).message}`, null, { hook: url });
    }
    const verbs = Array.isArray(reply.json) ? (reply.json as Record<string, unknown>[]) : null;
    this.exchanges.push({ hook, url, payload, status: reply.status, verbs, elapsedMs: reply.elapsedMs });
    return reply;
  }

  /** Validates with jambonz's validator and normalizes `{verb:'say',…}` and `{say:{…}}` to one shape. */
  private checkedVerbs(json: unknown[], where: string): Verb[] {
    try {
      validateVerbs(json);
    } catch (error) {
      throw new SimulatorError('simulator.invalid_verbs', `${where} answered verbs jambonz refuses: ${(error as Error).message}`, null, { where });
    }
    return json.map((item) => {
      const entry = item as VerbData;
      if (typeof entry.verb === 'string') {
        const { verb, ...data } = entry;
        return { name: verb as string, data };
      }
      const [name] = Object.keys(entry);
      return { name, data: entry[name] as VerbData };
    });
  }

  private resolve(hook: string): string {
    return new URL(hook, this.base).toString();
  }

  private agent(text: string, kind: string): void {
    this.agentSaidSinceCaller.push(text);
    this.entry('agent', text, kind);
  }

  private system(text: string, kind: string): void {
    this.entry('system', text, kind);
  }

  private entry(speaker: TranscriptEntry['speaker'], text: string, kind: string): void {
    this.transcript.push({ speaker, text, kind, atMs: this.now() - this.startedAt });
  }

  /** The call's time: the options' clock, plus what the call spent waiting on the simulator's clock. */
  private now(): number {
    return this.clock() + this.waitedMs;
  }

  private result(): SimulatedCall {
    const { outcome } = this;
    return {
      callSid: this.identity.callSid,
      transcript: [...this.transcript],
      exchanges: [...this.exchanges],
      outcome: {
        ...outcome,
        transfers: outcome.transfers.map((t) => ({ ...t })),
        queues: outcome.queues.map((q) => ({ ...q })),
        dequeues: outcome.dequeues.map((d) => ({ ...d })),
      },
    };
  }
}

/** An action hook is a URL or `{url, method}`; jambonz posts both (GET hooks are not simulated). */
function hookUrl(hook: unknown): string {
  if (typeof hook === 'string') return hook;
  const object = hook as { url?: unknown; method?: unknown };
  if (object && typeof object.url === 'string' && (object.method === undefined || String(object.method).toUpperCase() === 'POST')) return object.url;
  throw new SimulatorError('simulator.unsupported_verb', `the simulator posts hooks only; got ${JSON.stringify(hook)}`, null);
}

/** The words of a `say` verb (its text, or its texts in turn), without SSML. */
function spokenOf(data: VerbData): string {
  const text = Array.isArray(data.text) ? data.text.map(String).join(' ') : typeof data.text === 'string' ? data.text : '';
  return stripSsml(text);
}

/** A `play` verb's file, or files in turn. */
function urlsOf(data: VerbData): string {
  return Array.isArray(data.url) ? data.url.map(String).join(', ') : String(data.url);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a caller hears of SSML: the words. */
function stripSsml(text: string): string {
  return text.includes('<') ? text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() : text;
}

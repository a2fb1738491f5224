import { randomUUID } from 'node:crypto';
import {
  type SimulatedCallIdentity,
  type SimulatedCallState,
  type SimulatedCallStatus,
  callHookPayload,
  callInfoPayload,
  newCallIdentity,
} from './call-payloads';
import { HookClient, type HookReply, validateVerbs } from './hook-client';
import { SimulatorError } from './simulator.error';
import type {
  CallOutcomeHints,
  CallerAction,
  DialOutcome,
  HookExchange,
  JambonzSimulatorOptions,
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
    voicemail: null,
    recording: { started: false, agentLinesBefore: 0 },
    durationSeconds: 0,
    callerTurns: 0,
  };
  private queue: Verb[] = [];
  private agentSaidSinceCaller: string[] = [];
  private language: string;

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
    this.answeredAt = this.clock();
    await this.status('in-progress', 200, 'OK');
    this.queue = first;
    try {
      let ended = false;
      while (this.queue.length > 0 && !ended) {
        const verb = this.queue.shift()!;
        ended = (await this.execute(verb)) === 'ended';
      }
      if (!ended && this.outcome.endedBy === 'application' && this.outcome.transfers.at(-1)?.status === 'completed') this.outcome.endedBy = 'transfer';
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
    const text = Array.isArray(data.text) ? data.text.map(String).join(' ') : typeof data.text === 'string' ? data.text : '';
    if (text) this.agent(stripSsml(text), 'say');
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
    const targets = data.target as { type: string; number?: string; sipUri?: string; name?: string }[];
    let outcome: DialOutcome = 'failed';
    for (const target of targets) {
      outcome = this.options.dial?.(target) ?? 'completed';
      const to = target.number ?? target.sipUri ?? target.name ?? target.type;
      this.outcome.transfers.push({ to, status: outcome });
      this.system(`transfer to ${to}: ${outcome}`, 'dial');
      if (outcome === 'completed') break;
    }
    return this.performAction(data.actionHook, {
      dial_call_status: outcome,
      dial_sip_status: DIAL_SIP_STATUS[outcome],
      dial_call_sid: randomUUID(),
    });
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
    const end = this.clock();
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
    this.transcript.push({ speaker, text, kind, atMs: this.clock() - this.startedAt });
  }

  private result(): SimulatedCall {
    return { callSid: this.identity.callSid, transcript: [...this.transcript], exchanges: [...this.exchanges], outcome: { ...this.outcome, transfers: [...this.outcome.transfers] } };
  }
}

/** An action hook is a URL or `{url, method}`; jambonz posts both (GET hooks are not simulated). */
function hookUrl(hook: unknown): string {
  if (typeof hook === 'string') return hook;
  const object = hook as { url?: unknown; method?: unknown };
  if (object && typeof object.url === 'string' && (object.method === undefined || String(object.method).toUpperCase() === 'POST')) return object.url;
  throw new SimulatorError('simulator.unsupported_verb', `the simulator posts hooks only; got ${JSON.stringify(hook)}`, null);
}

/** What a caller hears of SSML: the words. */
function stripSsml(text: string): string {
  return text.includes('<') ? text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() : text;
}

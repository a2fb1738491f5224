import type { BookingLedger } from '@tero/booking';
import { type EventBus, isSupportedLocale } from '@tero/core';
import type { AgentKnowledge, AgentReply, CallFacts, ConversationEngine } from '@tero/conversation';
import { type AgentProfile, Brand, CallerMessage, Client, type Database, timeOrderedId } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { i18n as I18n } from 'i18next';
import type { Logger } from 'pino';
import { type AccountEntry, type CallDirectory, type ClientEntry, normalizeNumber } from './call-directory';
import type { CallRecordWriter } from './call-record.writer';
import { type RouteDecision, routeCall } from './call-router';
import { type CallSession, type CallSessionStore, ENDED_SESSION_TTL_SECONDS, betterOutcome } from './call-session.store';
import { callHolder, createCallTools } from './call-tools';
import type { ConfirmationRequester } from './confirmations/booking-confirmations';
import { detectBargeIn, speechTimingOf } from './barge-in';
import { mapGatherResult } from './caller-input';
import type { ConversationRuntime } from './conversation-runtime';
import {
  type CallHookPayload,
  callHookSchema,
  dequeueResultSchema,
  dialResultSchema,
  firstProblem,
  queueResultSchema,
  queueWaitSchema,
  readGatherResult,
  readStatusHook,
  whisperHookSchema,
} from './hook-payloads';
import { type ListenSettings, listenConfigVerb } from './recordings';
import { SIGNATURE_HEADER, verify } from './jambonz-signature';
import {
  type CallVoice,
  HOOK_PATHS,
  type JambonzVerb,
  dequeueVerbs,
  enqueueVerbs,
  hangupVerbs,
  listenVerbs,
  noticeVerbs,
  offerVerbs,
  queueWaitVerbs,
  safeVerbs,
  spokenText,
  transferVerbs,
  verbProblem,
  voicemailVerbs,
  whisperVerbs,
} from './jambonz-verbs';
import type { ReplayGuard } from './replay-guard';
import type { TestCallMarker } from './test-calls/test-call-marker';
import { type FollowUpWords, chooseFollowUp, parseWords } from './transfers/follow-up';
import { bridgedWaitSeconds, estimateSpeechSeconds, planQueueWait } from './transfers/queue-wait';
import { TRANSFER_EVENTS, type TransferFailedPayload } from './transfers/transfer-events';
import {
  type FollowUpKind,
  type TransferReason,
  canCallBack,
  dialConnected,
  isStaffNumber,
  lastFour,
  newTransfer,
  queueNameOf,
} from './transfers/transfer-state';
import { rememberUtterance, whisperSummary } from './transfers/whisper-summary';

/** The hooks jambonz calls: each is the name of its path in {@link HOOK_PATHS}. */
export type HookKind = keyof typeof HOOK_PATHS;

/** A hook request as the HTTP layer hands it over: the raw bytes (what the signature covers) and their JSON. */
export interface HookRequest {
  kind: HookKind;
  rawBody: Buffer;
  /** The parsed body; `undefined` when the body is not JSON. */
  body: unknown;
  /** The `Jambonz-Signature` header. */
  signature: string | string[] | undefined;
}

/** A refusal: 4xx, nothing changed. */
export interface HookError {
  error: { code: string; message: string; field?: string };
}

export interface HookReply {
  status: number;
  body: JambonzVerb[] | HookError;
}

/** Instance settings of the hooks (from the environment). */
export interface JambonzHooksSettings {
  /** `off` accepts unsigned hooks (development only). */
  signatures: 'on' | 'off';
  toleranceSeconds: number;
  /** Speech below it is "not understood". */
  minConfidence: number;
  /** Voice for agents without one: vendor, and voice per locale. */
  defaultVendor: string;
  defaultVoices: Record<string, string>;
  /** SIPREC server for recorded calls; absent: recorded calls stream to our listen endpoint ({@link listen}). */
  recordingUrl?: string;
  /** Where recorded calls stream their audio when there is no SIPREC server (our listen endpoint); absent with no SIPREC server: no recording. */
  listen?: ListenSettings;
}

export interface JambonzHooksDeps {
  db: Database;
  directory: CallDirectory;
  sessions: CallSessionStore;
  guard: ReplayGuard;
  writer: CallRecordWriter;
  events: EventBus;
  i18n: I18n;
  logger: Logger;
  ledger: BookingLedger;
  runtime: ConversationRuntime;
  settings: JambonzHooksSettings;
  /** The time source (scenario tests pin it). */
  clock?: () => Date;
  /** Recognises "talk to your agent" calls, which are recorded but not billed; without it every call is billed. */
  testCalls?: TestCallMarker;
  /** Texts booking confirmations; without it the agent never texts. */
  confirmations?: ConfirmationRequester;
}

/** Bus events the call path publishes (payloads are JSON). */
export const CALL_EVENTS = { started: 'call.started', turn: 'call.turn', ended: 'call.ended' } as const;

/** After this many silent turns in a row the call ends politely, whatever the engine says. */
const MAX_SILENCES = 4;
/** After this many caller turns the call ends politely: a loop, or a caller who will not stop. */
const MAX_CALLER_TURNS = 60;
/** Call states after which no more hooks are expected. */
const FINAL_STATUSES = new Set(['completed', 'failed', 'busy', 'no-answer']);
/** Seconds a call's transfer notice stays claimed: longer than any call and its late hooks. */
const NOTICE_CLAIM_SECONDS = 24 * 3600;
/** A queue's wait round when something failed on our side: the caller keeps waiting, and the next round asks again. */
const WAIT_AGAIN: JambonzVerb[] = [{ verb: 'pause', length: 5 }];
const LEAVE_QUEUE: JambonzVerb[] = [{ verb: 'leave' }];

const LANGUAGE_OF: Record<string, string> = { en: 'en-US', es: 'es-US', fr: 'fr-FR' };
const HANGUP_ONLY: JambonzVerb[] = [{ verb: 'hangup' }];

/** Reads a call's session; within one hook, the read started with the replay claim is reused. */
type SessionRead = (callSid: string) => Promise<CallSession | null>;

type Authenticated = { ok: true; account: AccountEntry | null; readSession: SessionRead } | { ok: false; reply: HookReply };

/**
 * The jambonz webhooks: verifies each request, routes new calls, runs the conversation turn by turn,
 * follows transfers and voicemail, and keeps the call record. Every reply is either valid verbs (a first
 * hook always gets some, so jambonz never rejects a caller) or a 4xx that changed nothing.
 */
export class JambonzHooks {
  private readonly clock: () => Date;
  private readonly knowledgeCache = new Map<string, { version: string; knowledge: Promise<AgentKnowledge> }>();
  private readonly safeByLocale = new Map<string, JambonzVerb[]>();
  /** What a call's opening says, by locale, key, business and agent (i18next's interpolation costs more than the rest of the first hook). */
  private readonly openingPhrases = new Map<string, string>();
  /** The words of "a message, or a call back?", by locale. */
  private readonly followUpWordsByLocale = new Map<string, FollowUpWords>();
  /** A call's session as stored (made once: every hook reads one). */
  private readonly readStored: SessionRead = (callSid) => this.deps.sessions.get(callSid);

  constructor(private readonly deps: JambonzHooksDeps) {
    this.clock = deps.clock ?? (() => new Date());
    // Translations added later (a locale plugin) must not be hidden by what was said before.
    deps.i18n.store?.on?.('added', () => {
      this.openingPhrases.clear();
      this.followUpWordsByLocale.clear();
    });
    for (const locale of ['en', 'es', 'fr']) {
      const verbs = safeVerbs(deps.i18n.t('calls:hooks.apology_hangup', { lng: locale }));
      const problem = verbProblem(verbs);
      if (problem) throw new Error(`the static fallback response is not valid jambonz: ${problem}`);
      this.safeByLocale.set(locale, verbs);
    }
  }

  /** Answers one hook request. Never throws: an unexpected error becomes the safe fallback (first hook) or an apology. */
  async handle(request: HookRequest): Promise<HookReply> {
    if (request.body === undefined || request.body === null || typeof request.body !== 'object' || Array.isArray(request.body)) {
      if (request.kind === 'call' && this.deps.settings.signatures === 'off') return { status: 200, body: this.unrouted('en', null) };
      return refuse(400, 'jambonz.malformed_body', 'the body must be a JSON object');
    }
    const body = request.body as Record<string, unknown>;
    let auth: Authenticated;
    try {
      auth = await this.authenticate(request, body);
    } catch (error) {
      this.deps.logger.error({ err: error, callSid: body.call_sid }, 'jambonz hook: verifying the request failed');
      return request.kind === 'call' ? { status: 200, body: this.safe('en') } : refuse(503, 'jambonz.unavailable', 'try again');
    }
    if (!auth.ok) return auth.reply;
    try {
      switch (request.kind) {
        case 'call':
          return { status: 200, body: await this.onCall(body, auth.account, auth.readSession) };
        case 'turn':
          return await this.onTurn(body, auth.account, auth.readSession);
        case 'status':
          return await this.onStatus(body, auth.account, auth.readSession);
        case 'dial':
          return await this.onDial(body, auth.account, auth.readSession);
        case 'voicemail':
          return await this.onVoicemail(body, auth.account, auth.readSession);
        case 'followup':
          return await this.onFollowUp(body, auth.account, auth.readSession);
        case 'whisper':
          return await this.onWhisper(body, auth.account, auth.readSession);
        case 'queue':
          return await this.onQueue(body, auth.account, auth.readSession);
        case 'queueWait':
          return await this.onQueueWait(body, auth.account, auth.readSession);
        case 'dequeue':
          return await this.onDequeue(body, auth.account, auth.readSession);
      }
    } catch (error) {
      // The session store or the database failed before the call's own fallback could run.
      this.deps.logger.error({ err: error, callSid: body.call_sid, hook: request.kind }, 'jambonz hook failed');
      switch (request.kind) {
        case 'status':
          return refuse(503, 'jambonz.unavailable', 'the call record is unavailable; try again');
        // The human's leg: hanging up there would cancel the transfer; nothing said bridges at once.
        case 'whisper':
          return { status: 200, body: [] };
        // Only play, say, pause and leave are allowed there: the caller keeps waiting, and the next round tries again.
        case 'queueWait':
          return { status: 200, body: WAIT_AGAIN };
        default:
          return { status: 200, body: this.safe('en') };
      }
    }
  }

  // ---- authentication ---------------------------------------------------------------------------

  /**
   * The account's secrets are found by the body's `account_sid`, else through the brand owning the called
   * number; the signature must match one of them on the raw bytes, be recent, and be new (not a replay).
   * Once the signature matched, the call's session is read alongside the replay claim: with Redis both
   * go out together, one round trip instead of two. A failed read surfaces where the hook reads it.
   */
  private async authenticate(request: HookRequest, body: Record<string, unknown>): Promise<Authenticated> {
    const { directory, settings, guard } = this.deps;
    const accountSid = typeof body.account_sid === 'string' ? body.account_sid : null;
    let candidates: AccountEntry[] = [];
    const read = this.readStored;
    const callSid = typeof body.call_sid === 'string' && body.call_sid.length > 0 && body.call_sid.length <= 64 ? body.call_sid : null;
    let early: Promise<CallSession | null> | null = null;
    const known = accountSid ? await directory.account(accountSid) : null;
    if (known) candidates = [known];
    else if (typeof body.to === 'string') {
      const number = await directory.number(normalizeNumber(body.to));
      if (number) candidates = await directory.accountsFor(number.brandId, number.clientId);
    } else if (callSid) {
      // jambonz's enqueue waitHook carries neither the account nor the numbers: the call's own tenant names the secrets.
      early = read(callSid);
      const session = await early;
      if (session) candidates = await directory.accountsFor(session.brandId, session.clientId);
    }
    if (settings.signatures === 'off') return { ok: true, account: candidates.length === 1 ? candidates[0]! : null, readSession: read };

    const secrets = candidates.length === 1 ? candidates[0]!.secrets : candidates.flatMap((account) => account.secrets);
    const check = verify(request.signature, request.rawBody, secrets, { toleranceSeconds: settings.toleranceSeconds, now: Date.now() });
    if (!check.ok) {
      this.deps.logger.warn({ reason: check.reason, callSid: body.call_sid, accountSid }, 'jambonz hook refused: signature');
      return { ok: false, reply: refuse(401, `jambonz.signature_${check.reason}`, SIGNATURE_MESSAGES[check.reason]) };
    }
    const ttl = check.timestamp + settings.toleranceSeconds - Math.floor(Date.now() / 1000) + 1;
    early ??= callSid ? read(callSid) : null;
    early?.catch(() => undefined);
    // The signature's first 128 bits identify the request well enough (it is an HMAC), in a third of the memory.
    if (!(await guard.claim(`sig:${check.replayKey}`, Math.max(1, ttl)))) {
      this.deps.logger.warn({ callSid: body.call_sid, accountSid }, 'jambonz hook refused: replayed request');
      return { ok: false, reply: refuse(401, 'jambonz.signature_replayed', 'this signed request was already received') };
    }
    let account = candidates[0]!;
    for (let i = 0, index = check.secretIndex; i < candidates.length; i++) {
      index -= candidates[i]!.secrets.length;
      if (index < 0) {
        account = candidates[i]!;
        break;
      }
    }
    return { ok: true, account, readSession: (sid) => (early && sid === callSid ? early : read(sid)) };
  }

  /** Whether `account` may drive calls of this client: the same brand, and the same client for a client's own account. */
  private accountMayDrive(account: AccountEntry | null, brandId: string, clientId: string): boolean {
    if (!account) return this.deps.settings.signatures === 'off';
    return account.brandId === brandId && (account.clientId === null || account.clientId === clientId);
  }

  // ---- the first hook ---------------------------------------------------------------------------

  private async onCall(body: Record<string, unknown>, account: AccountEntry | null, readSession: SessionRead): Promise<JambonzVerb[]> {
    const callSid = typeof body.call_sid === 'string' ? body.call_sid : null;
    const log = this.deps.logger;
    let locale = 'en';
    let session: CallSession | null = null;
    let entry: ClientEntry | null = null;
    try {
      const parsed = callHookSchema.safeParse(body);
      if (!parsed.success || !callSid) {
        log.warn({ callSid, problem: parsed.success ? { field: 'call_sid' } : firstProblem(parsed.error) }, 'call hook without the fields routing needs');
        return this.unrouted(await this.brandLocale(account?.brandId), null);
      }
      const existing = await readSession(callSid);
      if (existing) return this.repeatOpening(existing);

      const payload = parsed.data;
      const number = await this.deps.directory.number(normalizeNumber(payload.to));
      if (!number || number.state !== 'assigned' || !number.clientId) {
        log.info({ callSid, to: payload.to }, 'call to a number that routes to no client');
        return this.unrouted(await this.brandLocale(number?.brandId ?? account?.brandId), null);
      }
      if (!this.accountMayDrive(account, number.brandId, number.clientId)) {
        log.warn({ callSid, to: payload.to, accountSid: account?.accountSid }, 'call hook from a jambonz account that does not own the number');
        return this.unrouted(await this.brandLocale(account?.brandId), null);
      }
      entry = await this.deps.directory.client(number.brandId, number.clientId);
      if (!entry?.profile) {
        log.info({ callSid, clientId: number.clientId }, 'call to a client without an agent profile');
        return this.unrouted(entry ? this.localeOf(entry) : await this.brandLocale(number.brandId), null);
      }
      locale = this.localeOf(entry);
      const profile = entry.profile;
      const now = this.clock();
      const from = normalizeNumber(payload.from);
      const used = profile.monthlyMinutes != null ? await this.deps.directory.usedSecondsThisMonth(entry.brand.id, entry.client.id, entry.client.timezone) : 0;
      const decision = routeCall({ now, callerNumber: from, client: entry.client, profile, usedSecondsThisMonth: used });
      // A staff phone calling its own business takes the next caller out of the queue (when the client has one).
      const staff = profile.queue?.enabled === true && isStaffNumber(profile.staffNumbers, from);
      session = {
        callSid,
        callId: timeOrderedId(),
        brandId: entry.brand.id,
        clientId: entry.client.id,
        accountSid: account?.accountSid ?? null,
        route: decision.route,
        mode: staff ? 'dequeue' : decision.action.kind,
        locale,
        from,
        to: normalizeNumber(payload.to),
        callerName: payload.caller_name || null,
        startedAt: now.toISOString(),
        engineId: profile.engine,
        engineState: {},
        seq: 0,
        silences: 0,
        callerTurns: 0,
        outcome: null,
        bookingId: null,
        messageId: null,
        held: false,
        transferTo: decision.action.kind === 'forward' ? decision.action.to : null,
        lastAction: 'listen',
        ended: false,
        opening: [],
        test: this.deps.testCalls?.isTestCall(body.env_vars, payload) ?? false,
      };
      const notices = session.mode === 'ai' ? this.noticesOf(profile) : { ai: false, recording: null };
      this.recordCall(session, payload, notices);
      this.timeline(session, 'route', { route: decision.route, action: session.mode, ...(decision.note ? { note: decision.note } : {}) });
      if (session.test) this.timeline(session, 'test_call', { billed: false });
      this.publish(session, CALL_EVENTS.started, { callSid, callId: session.callId, route: decision.route, mode: session.mode, from, to: session.to, locale, ...(session.test ? { test: true } : {}) });
      const verbs = await this.openingVerbs(session, entry, profile, decision, now);
      const problem = verbProblem(verbs);
      session.opening = problem ? this.safe(locale) : verbs;
      if (problem) log.error({ callSid, problem }, 'our first response failed jambonz validation; answered with the static fallback');
      await this.deps.sessions.set(session);
      return session.opening;
    } catch (error) {
      log.error({ callSid, err: error }, 'call hook failed; answered with the safe fallback');
      return this.failSafe(session, entry, locale);
    }
  }

  /** The same call hook again (a jambonz retry): the same answer, nothing changed. */
  private repeatOpening(session: CallSession): JambonzVerb[] {
    return session.opening.length ? session.opening : this.safe(session.locale);
  }

  /** What the caller is told before the agent speaks: that it is an AI, and whether (and where) the call is recorded. */
  private noticesOf(profile: AgentProfile): { ai: boolean; recording: string | null } {
    const recording = profile.recordCalls ? (this.deps.settings.recordingUrl ?? this.deps.settings.listen?.url ?? null) : null;
    return { ai: profile.aiDisclosure, recording };
  }

  /** Queues the Call row: written behind like the rest of the record, so the first hook waits for no database write. */
  private recordCall(session: CallSession, payload: CallHookPayload, notices: { ai: boolean; recording: string | null }): void {
    this.deps.writer.call({
      id: session.callId,
      brandId: session.brandId,
      clientId: session.clientId,
      callSid: session.callSid,
      direction: (payload.direction ?? 'inbound').slice(0, 10),
      fromNumber: session.from.slice(0, 64),
      toNumber: session.to.slice(0, 64),
      callerName: session.callerName?.slice(0, 120) ?? null,
      status: (payload.call_status ?? 'trying').slice(0, 20),
      route: session.route,
      locale: session.locale,
      startedAt: new Date(session.startedAt),
      aiDisclosed: notices.ai,
      // The caller hears the recording notice before recording starts; staying on the line is the consent.
      recordingConsent: notices.recording ? true : null,
    });
  }

  private async openingVerbs(session: CallSession, entry: ClientEntry, profile: AgentProfile, decision: RouteDecision, now: Date): Promise<JambonzVerb[]> {
    const voice = this.voiceOf(profile, session.locale);
    const business = entry.client.name;
    const t = (key: string) => this.openingPhrase(key, session.locale, business, profile.agentName);
    if (session.mode === 'dequeue') {
      session.lastAction = 'dequeue';
      return dequeueVerbs(t('dequeue_connecting'), queueNameOf(session.clientId), voice);
    }
    switch (decision.action.kind) {
      case 'message':
        session.lastAction = 'hangup';
        return hangupVerbs(t(decision.route === 'blocked' ? 'blocked' : 'unavailable'), voice);
      case 'voicemail':
        session.lastAction = 'voicemail';
        return voicemailVerbs(t(`voicemail_${decision.route}`), voice);
      case 'forward':
        session.lastAction = 'transfer';
        session.transfer = newTransfer(decision.action.to, 'forward');
        return transferVerbs(t('forwarding'), decision.action.to, voice);
      case 'ai': {
        const { ai, recording } = this.noticesOf(profile);
        const notice = [ai ? t('disclosure_ai') : '', recording ? t('disclosure_recording') : ''].filter(Boolean).join(' ');
        // Recording starts only after the caller heard the notice: SIPREC through the notice's config, or a background listen stream after it.
        const siprec = recording && this.deps.settings.recordingUrl ? { siprecServerURL: recording, recordingID: session.callSid } : undefined;
        const before = notice ? noticeVerbs(notice, voice, siprec) : [];
        if (recording && !siprec && this.deps.settings.listen) before.push(listenConfigVerb(session.callSid, this.deps.settings.listen));
        if (notice) this.timeline(session, 'disclosure', { ai, recording: Boolean(recording) });
        const { engine, knowledge, tools } = await this.conversation(session, entry, profile);
        const reply = await engine.start(this.facts(session, now), knowledge, tools);
        return this.afterReply(session, entry, reply, voice, before, now);
      }
    }
  }

  // ---- turns --------------------------------------------------------------------------------------

  private async onTurn(body: Record<string, unknown>, account: AccountEntry | null, readSession: SessionRead): Promise<HookReply> {
    const parsed = readGatherResult(body);
    if (!parsed.success) return invalid(parsed.error);
    const payload = parsed.data;
    const session = await this.liveSession(payload.call_sid, account, readSession);
    if (!session) return { status: 200, body: HANGUP_ONLY };
    const entry = await this.deps.directory.client(session.brandId, session.clientId);
    const profile = entry?.profile;
    const log = this.deps.logger;
    const callSid = session.callSid;
    const now = this.clock();
    if (!entry || !profile) {
      log.warn({ callSid }, 'turn for a call whose client or agent is gone');
      return { status: 200, body: hangupVerbs(this.deps.i18n.t('calls:hooks.apology_hangup', { lng: session.locale }), this.voiceOf(null, session.locale)) };
    }
    const voice = this.voiceOf(profile, session.locale);
    const mapped = mapGatherResult(payload, this.deps.settings.minConfidence);
    // A turn means jambonz played the first answer: it will not ask for it again, so it need not travel on.
    session.opening = [];
    session.callerTurns++;
    session.silences = mapped.input.kind === 'silence' ? session.silences + 1 : 0;
    // Only a client with warm transfer keeps the caller's words in the session: its whisper quotes them.
    if (profile.warmTransfer && mapped.text && mapped.input.kind !== 'dtmf') session.recent = rememberUtterance(session.recent, mapped.text);
    const prompt = session.prompt;
    const bargedIn = prompt
      ? detectBargeIn({ answeredAtMs: prompt.at, promptText: prompt.text, leadInText: prompt.leadIn, hookAtMs: now.getTime(), callerText: mapped.text, timing: speechTimingOf(payload) }).bargedIn
      : false;
    const callerTurn = {
      ...this.rowBase(session),
      seq: session.seq++,
      speaker: 'caller' as const,
      text: mapped.text,
      confidence: mapped.confidence,
      intent: null as string | null,
      at: now,
      sttLatencyMs: mapped.sttLatencyMs,
      bargedIn,
    };
    try {
      const { engine, knowledge, tools } = await this.conversation(session, entry, profile);
      let reply = await engine.turn(this.facts(session, now), knowledge, session.engineState, mapped.input, tools);
      if (reply.action.type === 'listen' && (session.silences >= MAX_SILENCES || session.callerTurns >= MAX_CALLER_TURNS)) {
        const key = session.silences >= MAX_SILENCES ? 'silence_goodbye' : 'turn_limit_goodbye';
        reply = { ...reply, say: this.deps.i18n.t(`calls:hooks.${key}`, { lng: session.locale }), action: { type: 'hangup' } };
      }
      this.deps.writer.turn({ ...callerTurn, intent: reply.intent ?? null });
      const verbs = this.afterReply(session, entry, reply, voice, [], now);
      // Saved as the answer leaves rather than before: with Redis the write goes out in this tick's pipeline
      // (ahead of any later read on the connection), and the answer does not wait a round trip for it. jambonz
      // sends the next action hook only after playing this answer; a status arriving meanwhile would have
      // read the session before this turn anyway. A failed save leaves the previous turn's state.
      this.deps.sessions.set(session).catch((error: unknown) => {
        log.error({ callSid, err: error }, 'saving the call after its turn failed; its next hook reads the state before it');
      });
      this.publish(session, CALL_EVENTS.turn, {
        callSid: session.callSid,
        callId: session.callId,
        caller: { kind: mapped.input.kind, text: mapped.text, confidence: mapped.confidence },
        agent: { text: reply.say, action: reply.action.type, intent: reply.intent ?? null },
      });
      return { status: 200, body: verbs };
    } catch (error) {
      log.error({ callSid, err: error }, 'turn failed; apologised and handed the call on');
      this.deps.writer.turn(callerTurn);
      return { status: 200, body: await this.failSafe(session, entry, session.locale) };
    }
  }

  /**
   * Turns the reply into verbs, then records the agent's words and applies its action to the session.
   * Throws, changing nothing, when the reply makes verbs jambonz would refuse: a listen reply only adds
   * the engine's text to the call's voice (which the first hook checked), so its text is type-checked;
   * any other action (once a call, at its end) is checked whole.
   */
  private afterReply(session: CallSession, entry: ClientEntry, reply: AgentReply, voice: CallVoice, before: JambonzVerb[], now: Date): JambonzVerb[] {
    const action = reply.action;
    const warm = action.type === 'transfer' && entry.profile?.warmTransfer === true;
    const verbs =
      action.type === 'listen'
        ? listenVerbs(reply.say, voice, before)
        : action.type === 'transfer'
          ? transferVerbs(reply.say, action.to, voice, before, { whisper: warm })
          : action.type === 'voicemail'
            ? voicemailVerbs(reply.say, voice, before)
            : hangupVerbs(reply.say, voice, before);
    const problem = action.type === 'listen' && typeof reply.say === 'string' ? null : verbProblem(verbs);
    if (problem) throw new Error(`the agent's reply makes verbs jambonz would refuse: ${problem}`);
    if (action.type === 'transfer') {
      const reason: TransferReason = action.reason === 'emergency' ? 'emergency' : 'human';
      session.transferTo = action.to;
      // The whisper is written now, while the conversation is at hand, so that the whisper hook only reads it.
      session.transfer = newTransfer(action.to, reason, warm ? this.whisperOf(session, entry, reason) : null);
    }
    session.engineState = reply.state;
    session.outcome = betterOutcome(session.outcome, reply.outcome);
    session.lastAction = action.type;
    // When the answer leaves (after the engine's work, so the clock is read again), for the next turn's barge-in.
    session.prompt =
      action.type === 'listen'
        ? { at: this.clock().getTime(), text: reply.say, leadIn: before.map((v) => (v.verb === 'say' && typeof v.text === 'string' ? v.text : '')).join(' ').trim() }
        : null;
    this.deps.writer.turn({ ...this.rowBase(session), seq: session.seq++, speaker: 'agent', text: reply.say, intent: reply.intent ?? null, at: now });
    return verbs;
  }

  // ---- transfers, the follow-up, queues and voicemail ---------------------------------------------

  /**
   * The dial's result. Connected: the call was transferred. Not taken (no-answer, busy, failed,
   * canceled): a caller who asked for a person waits in the client's queue when it has one; otherwise
   * (or after the queue) the caller is offered a message or a call back. A result already acted on
   * (the hook delivered twice) gets the same answer again and changes nothing.
   */
  private async onDial(body: Record<string, unknown>, account: AccountEntry | null, readSession: SessionRead): Promise<HookReply> {
    const parsed = dialResultSchema.safeParse(body);
    if (!parsed.success) return invalid(parsed.error);
    const session = await this.liveSession(parsed.data.call_sid, account, readSession);
    if (!session) return { status: 200, body: HANGUP_ONLY };
    const entry = await this.deps.directory.client(session.brandId, session.clientId);
    // A dial we did not follow from its start (a session older than transfers' steps) is followed from here.
    session.transfer ??= newTransfer(session.transferTo ?? '', 'forward');
    const transfer = session.transfer;
    if (transfer.step !== 'dialing') return { status: 200, body: this.transferAnswer(session, entry) };

    const { dial_call_status: status, dial_sip_status: sipStatus, duration } = parsed.data;
    const connected = dialConnected(status);
    transfer.dialStatus = status;
    transfer.sipStatus = sipStatus ?? null;
    this.timeline(session, 'transfer', {
      to: transfer.to,
      reason: transfer.reason,
      status,
      sipStatus: sipStatus ?? null,
      ...(duration !== undefined ? { duration } : {}),
      warm: transfer.whisper !== null,
    });
    session.outcome = betterOutcome(session.outcome, connected ? 'transferred' : 'transfer_failed');
    if (session.transferTo) this.deps.writer.update(session.callId, { transferTo: session.transferTo });
    if (connected) {
      transfer.step = 'connected';
      session.lastAction = 'hangup';
      await this.deps.sessions.set(session);
      return { status: 200, body: HANGUP_ONLY };
    }
    const queue = entry?.profile?.queue;
    if (transfer.reason === 'human' && queue?.enabled && !transfer.queue) {
      transfer.step = 'queued';
      transfer.queue = queueNameOf(session.clientId);
      session.lastAction = 'enqueue';
      this.timeline(session, 'queue:entered', { queue: transfer.queue, after: status });
      this.publish(session, TRANSFER_EVENTS.queued, { callSid: session.callSid, callId: session.callId, from: session.from, callerName: session.callerName, queue: transfer.queue });
    } else this.offerFollowUp(session);
    const verbs = this.transferAnswer(session, entry);
    this.agentLine(session, spokenText(verbs).join(' '));
    await this.deps.sessions.set(session);
    return { status: 200, body: verbs };
  }

  /** After a transfer nobody took: "a message, or a call back?"; straight to the message when there is no number to call back. */
  private offerFollowUp(session: CallSession): void {
    const transfer = session.transfer!;
    transfer.step = canCallBack(session.from) ? 'offered' : 'message';
    session.lastAction = transfer.step === 'offered' ? 'followup' : 'voicemail';
  }

  /**
   * What a transfer's step asks jambonz to do: the same words whenever it is asked, so that a hook
   * delivered twice gets the answer it got the first time.
   */
  private transferAnswer(session: CallSession, entry: ClientEntry | null): JambonzVerb[] {
    const transfer = session.transfer;
    if (!transfer) return HANGUP_ONLY;
    const voice = this.voiceOf(entry?.profile ?? null, session.locale);
    const business = entry?.client.name ?? '';
    switch (transfer.step) {
      case 'queued':
        return enqueueVerbs(this.say(session, 'queue_hold', { business }), transfer.queue ?? queueNameOf(session.clientId), voice);
      case 'offered':
        return offerVerbs(this.say(session, transfer.queue ? 'queue_offer' : 'transfer_offer', { business }), voice);
      case 'message':
        return voicemailVerbs(this.say(session, canCallBack(session.from) ? 'followup_message' : 'transfer_failed'), voice);
      default:
        return HANGUP_ONLY;
    }
  }

  /** The caller's answer to "a message, or a call back?". */
  private async onFollowUp(body: Record<string, unknown>, account: AccountEntry | null, readSession: SessionRead): Promise<HookReply> {
    const parsed = readGatherResult(body);
    if (!parsed.success) return invalid(parsed.error);
    const session = await this.liveSession(parsed.data.call_sid, account, readSession);
    if (!session) return { status: 200, body: HANGUP_ONLY };
    const entry = await this.deps.directory.client(session.brandId, session.clientId);
    const transfer = session.transfer;
    if (!transfer || transfer.step !== 'offered') return { status: 200, body: this.transferAnswer(session, entry) };
    const voice = this.voiceOf(entry?.profile ?? null, session.locale);
    const mapped = mapGatherResult(parsed.data, this.deps.settings.minConfidence);
    const now = this.clock();
    this.deps.writer.turn({ ...this.rowBase(session), seq: session.seq++, speaker: 'caller', text: mapped.text, confidence: mapped.confidence, at: now, sttLatencyMs: mapped.sttLatencyMs });
    const choice = chooseFollowUp(mapped.input, this.followUpWords(session.locale));
    let verbs: JambonzVerb[];
    if (choice === 'message') {
      this.timeline(session, 'followup', { choice });
      transfer.step = 'message';
      session.lastAction = 'voicemail';
      verbs = this.transferAnswer(session, entry);
    } else if (choice === 'callback') {
      this.timeline(session, 'followup', { choice });
      transfer.step = 'done';
      session.lastAction = 'hangup';
      const request = this.say(session, 'callback_request', { to: transfer.to });
      let message: { id: string | null; text: string } = { id: null, text: request };
      try {
        message = await this.saveMessage(session, request, transfer.reason === 'emergency');
        session.outcome = betterOutcome(session.outcome, 'message_taken');
        verbs = hangupVerbs(this.say(session, 'callback_confirmed', { last4: lastFour(session.from) }), voice);
      } catch (error) {
        this.deps.logger.error({ err: error, callSid: session.callSid }, 'saving a call-back request failed; the owner is told by e-mail all the same');
        verbs = hangupVerbs(this.say(session, 'apology_hangup'), voice);
      }
      await this.notifyTransfer(session, 'callback', message);
    } else if (++transfer.asks < 2) {
      verbs = offerVerbs(this.say(session, 'offer_again'), voice);
    } else {
      this.timeline(session, 'followup', { choice: 'none' });
      transfer.step = 'done';
      session.lastAction = 'hangup';
      verbs = hangupVerbs(this.say(session, 'offer_goodbye'), voice);
      await this.notifyTransfer(session, 'none', null);
    }
    this.agentLine(session, spokenText(verbs).join(' '));
    await this.deps.sessions.set(session);
    return { status: 200, body: verbs };
  }

  /**
   * A warm transfer's `confirmHook`, on the human's leg (its own call sid; the caller's is `parent_call_sid`):
   * the summary written when the transfer started. Nothing to say (a cold transfer, an unknown call)
   * answers nothing, and jambonz bridges at once: the transfer never fails for want of a whisper.
   */
  private async onWhisper(body: Record<string, unknown>, account: AccountEntry | null, readSession: SessionRead): Promise<HookReply> {
    const parsed = whisperHookSchema.safeParse(body);
    if (!parsed.success) return invalid(parsed.error);
    const session = await this.liveSession(parsed.data.parent_call_sid ?? parsed.data.call_sid, account, readSession);
    const whisper = session?.transfer?.whisper;
    if (!session || !whisper) return { status: 200, body: [] };
    const entry = await this.deps.directory.client(session.brandId, session.clientId);
    this.timeline(session, 'whisper', { to: session.transfer!.to });
    return { status: 200, body: whisperVerbs(whisper, this.voiceOf(entry?.profile ?? null, session.locale)) };
  }

  /**
   * A round of the caller's wait in the queue: the position now and then, hold music (or silence)
   * until the next announcement, and `leave` once the client's maximum wait is reached.
   */
  private async onQueueWait(body: Record<string, unknown>, account: AccountEntry | null, readSession: SessionRead): Promise<HookReply> {
    const parsed = queueWaitSchema.safeParse(body);
    if (!parsed.success) return invalid(parsed.error);
    const payload = parsed.data;
    const session = await this.liveSession(payload.call_sid, account, readSession);
    const transfer = session?.transfer;
    if (!session || transfer?.step !== 'queued') return { status: 200, body: LEAVE_QUEUE };
    const entry = await this.deps.directory.client(session.brandId, session.clientId);
    const settings = entry?.profile?.queue;
    const announcement =
      payload.queue_position !== undefined ? this.say(session, 'queue_position', { position: payload.queue_position + 1 }) : this.say(session, 'queue_waiting');
    const round = settings?.enabled ? planQueueWait(settings, payload.queue_time, transfer.announcedAt, estimateSpeechSeconds(announcement)) : ({ leave: true } as const);
    if (round.leave) {
      transfer.queueSeconds = payload.queue_time;
      this.timeline(session, 'queue:max_wait', { queueTime: payload.queue_time, ...(settings?.enabled ? {} : { disabled: true }) });
      await this.deps.sessions.set(session);
      return { status: 200, body: LEAVE_QUEUE };
    }
    const announce = round.announce ? announcement : undefined;
    if (round.announce) transfer.announcedAt = payload.queue_time;
    transfer.lastWaitRound = { queueTime: payload.queue_time, roundSeconds: round.roundSeconds };
    await this.deps.sessions.set(session);
    const voice = this.voiceOf(entry?.profile ?? null, session.locale);
    return { status: 200, body: queueWaitVerbs({ announce, musicUrl: settings!.holdMusicUrl ?? null, seconds: round.seconds }, voice) };
  }

  /** How the caller left the queue: bridged to a staff phone, hung up, or taken out (`leave`, after the maximum wait) and offered a message. */
  private async onQueue(body: Record<string, unknown>, account: AccountEntry | null, readSession: SessionRead): Promise<HookReply> {
    const parsed = queueResultSchema.safeParse(body);
    if (!parsed.success) return invalid(parsed.error);
    const payload = parsed.data;
    const session = await this.liveSession(payload.call_sid, account, readSession);
    if (!session) return { status: 200, body: HANGUP_ONLY };
    const entry = await this.deps.directory.client(session.brandId, session.clientId);
    const transfer = session.transfer;
    if (!transfer || transfer.step !== 'queued') return { status: 200, body: this.transferAnswer(session, entry) };
    const result = payload.queue_result;
    transfer.queueResult = result;
    if (payload.queue_time !== undefined) {
      // After a bridge jambonz's queue_time counts the conversation too: the wait is what the rounds tell.
      transfer.queueSeconds = result === 'bridged' ? bridgedWaitSeconds(transfer.lastWaitRound ?? null, payload.queue_time) : payload.queue_time;
      if (result === 'bridged') transfer.talkSeconds = payload.queue_time - transfer.queueSeconds;
    }
    this.timeline(session, `queue:${result}`, {
      queue: transfer.queue,
      queueTime: transfer.queueSeconds,
      ...(result === 'bridged' && transfer.talkSeconds !== undefined ? { talkSeconds: transfer.talkSeconds } : {}),
    });
    if (result === 'bridged') {
      transfer.step = 'connected';
      session.outcome = betterOutcome(session.outcome, 'transferred');
      session.lastAction = 'hangup';
      await this.deps.sessions.set(session);
      return { status: 200, body: HANGUP_ONLY };
    }
    if (result === 'hangup') {
      // The caller hung up while waiting: the owner hears of a caller nobody took.
      transfer.step = 'done';
      session.lastAction = 'hangup';
      await this.notifyTransfer(session, 'none', null);
      await this.deps.sessions.set(session);
      return { status: 200, body: [] };
    }
    this.offerFollowUp(session);
    const verbs = this.transferAnswer(session, entry);
    this.agentLine(session, spokenText(verbs).join(' '));
    await this.deps.sessions.set(session);
    return { status: 200, body: verbs };
  }

  /** A staff phone's dequeue: over after a bridge, or nobody was waiting (said, then goodbye). */
  private async onDequeue(body: Record<string, unknown>, account: AccountEntry | null, readSession: SessionRead): Promise<HookReply> {
    const parsed = dequeueResultSchema.safeParse(body);
    if (!parsed.success) return invalid(parsed.error);
    const session = await this.liveSession(parsed.data.call_sid, account, readSession);
    if (!session || session.mode !== 'dequeue') return { status: 200, body: HANGUP_ONLY };
    const result = parsed.data.dequeue_result;
    this.timeline(session, `dequeue:${result}`, {});
    session.outcome = betterOutcome(session.outcome, 'answered');
    session.lastAction = 'hangup';
    let verbs = HANGUP_ONLY;
    if (result !== 'complete') {
      const entry = await this.deps.directory.client(session.brandId, session.clientId);
      verbs = hangupVerbs(this.say(session, result === 'timeout' ? 'dequeue_empty' : 'dequeue_failed'), this.voiceOf(entry?.profile ?? null, session.locale));
      this.agentLine(session, spokenText(verbs).join(' '));
    }
    await this.deps.sessions.set(session);
    return { status: 200, body: verbs };
  }

  private async onVoicemail(body: Record<string, unknown>, account: AccountEntry | null, readSession: SessionRead): Promise<HookReply> {
    const parsed = readGatherResult(body);
    if (!parsed.success) return invalid(parsed.error);
    const session = await this.liveSession(parsed.data.call_sid, account, readSession);
    if (!session) return { status: 200, body: HANGUP_ONLY };
    const entry = await this.deps.directory.client(session.brandId, session.clientId);
    const voice = this.voiceOf(entry?.profile ?? null, session.locale);
    const transfer = session.transfer;
    // The message after a failed transfer was taken already: this is the same hook again.
    if (transfer?.step === 'done') return { status: 200, body: hangupVerbs(this.say(session, 'voicemail_saved'), voice) };
    const afterTransfer = transfer?.step === 'message';
    const mapped = mapGatherResult(parsed.data, 0);
    const now = this.clock();
    let key = 'voicemail_empty';
    let message: { id: string | null; text: string } | null = null;
    if (mapped.input.kind === 'speech' || (mapped.input.kind === 'low-confidence' && mapped.text)) {
      message = { id: null, text: mapped.text };
      try {
        message = await this.saveMessage(session, mapped.text, afterTransfer && transfer!.reason === 'emergency');
        session.outcome = betterOutcome(session.outcome, afterTransfer ? 'message_taken' : 'voicemail');
        this.deps.writer.turn({ ...this.rowBase(session), seq: session.seq++, speaker: 'caller', text: mapped.text, confidence: mapped.confidence, at: now, sttLatencyMs: mapped.sttLatencyMs });
        key = 'voicemail_saved';
      } catch (error) {
        this.deps.logger.error({ err: error, callSid: session.callSid }, 'saving a voicemail failed');
        key = 'apology_hangup';
      }
    }
    if (afterTransfer) {
      transfer!.step = 'done';
      // A message that could not be saved still reaches the owner: its words travel in the e-mail.
      await this.notifyTransfer(session, message ? 'message' : 'none', message);
    }
    const text = this.say(session, key);
    this.agentLine(session, text);
    session.lastAction = 'hangup';
    await this.deps.sessions.set(session);
    return { status: 200, body: hangupVerbs(text, voice) };
  }

  /**
   * Keeps the caller's message (one per call: words added later are appended, the same words again are
   * not) and links it to the call. Returns the message as saved.
   */
  private async saveMessage(session: CallSession, text: string, urgent: boolean): Promise<{ id: string; text: string }> {
    const em = this.deps.db.forTenant(this.ctxOf(session));
    let message = await em.findOne(CallerMessage, { callSid: session.callSid });
    if (message) {
      if (!message.text.split('\n').includes(text)) em.assign(message, { text: `${message.text}\n${text}` });
      if (urgent) em.assign(message, { urgent: true });
    } else {
      message = em.create(CallerMessage, {
        brand: em.getReference(Brand, session.brandId),
        client: em.getReference(Client, session.clientId),
        callSid: session.callSid,
        callerName: session.callerName,
        callbackNumber: session.from.slice(0, 20),
        text,
        urgent,
      });
    }
    await em.flush();
    session.messageId = message.id;
    this.deps.writer.update(session.callId, { messageId: message.id });
    return { id: message.id, text: message.text };
  }

  /**
   * Tells the owner (through `call.transfer_failed`, which the notices turn into an e-mail) about a
   * transfer nobody took, and what the caller left. Once per call: the session remembers it, and a claim
   * keeps two replicas acting on two hooks of the call at the same moment from both telling it.
   */
  private async notifyTransfer(session: CallSession, followUp: FollowUpKind, message: { id: string | null; text: string } | null): Promise<void> {
    const transfer = session.transfer;
    if (!transfer || transfer.notified || transfer.dialStatus === null) return;
    transfer.notified = true;
    try {
      if (!(await this.deps.guard.claim(`transfer-notice:${session.callSid}`, NOTICE_CLAIM_SECONDS))) return;
    } catch (error) {
      // The notice job's id is the call's, so an e-mail is still sent once if the event is told twice.
      this.deps.logger.warn({ err: error, callSid: session.callSid }, 'claiming the transfer notice failed; telling it anyway');
    }
    const payload: TransferFailedPayload = {
      callSid: session.callSid,
      callId: session.callId,
      callerNumber: session.from,
      callerName: session.callerName,
      to: transfer.to,
      reason: transfer.reason,
      status: transfer.dialStatus,
      sipStatus: transfer.sipStatus,
      queueSeconds: transfer.queue ? transfer.queueSeconds : null,
      followUp,
      message: message?.text ?? null,
      messageId: message?.id ?? null,
      urgent: transfer.reason === 'emergency',
      locale: session.locale,
      startedAt: session.startedAt,
    };
    this.timeline(session, 'owner_notified', { followUp });
    this.publish(session, TRANSFER_EVENTS.failed, payload as unknown as Record<string, unknown>);
  }

  /** The words that choose a message or a call back, in the call's language. */
  private followUpWords(locale: string): FollowUpWords {
    let words = this.followUpWordsByLocale.get(locale);
    if (!words) {
      const t = (key: string) => this.deps.i18n.t(`calls:hooks.followup_words.${key}`, { lng: locale });
      words = { message: parseWords(t('message')), callback: parseWords(t('callback')) };
      this.followUpWordsByLocale.set(locale, words);
    }
    return words;
  }

  /** What the human hears before a warm transfer bridges, in the call's language. */
  private whisperOf(session: CallSession, entry: ClientEntry, reason: TransferReason): string {
    return whisperSummary((key, vars) => this.say(session, key, vars), {
      business: entry.client.name,
      callerName: session.callerName,
      from: session.from,
      recent: session.recent,
      reason,
    });
  }

  /** `calls:hooks.<key>` in the call's language. */
  private say(session: CallSession, key: string, vars: Record<string, unknown> = {}): string {
    return this.deps.i18n.t(`calls:hooks.${key}`, { lng: session.locale, ...vars });
  }

  // ---- status -------------------------------------------------------------------------------------

  private async onStatus(body: Record<string, unknown>, account: AccountEntry | null, readSession: SessionRead): Promise<HookReply> {
    const parsed = readStatusHook(body);
    if (!parsed.success) return invalid(parsed.error);
    const payload = parsed.data;
    const session = await readSession(payload.call_sid);
    if (!session || !this.accountMayDrive(account, session.brandId, session.clientId)) return { status: 200, body: [] };
    // A finished call takes no more statuses (late or repeated ones change nothing).
    if (session.ended) return { status: 200, body: [] };
    const final = FINAL_STATUSES.has(payload.call_status);
    // The end is acted on once, even when two replicas receive it at the same moment.
    if (final && !(await this.deps.guard.claim(`ended:${session.callSid}`, ENDED_SESSION_TTL_SECONDS))) return { status: 200, body: [] };
    const now = this.clock();
    // The timeline keeps each status once (its key is unique per call), so a repeated one is harmless.
    this.timeline(session, `status:${payload.call_status}`, {
      ...(payload.sip_status !== undefined ? { sipStatus: payload.sip_status } : {}),
      ...(payload.duration !== undefined ? { duration: payload.duration } : {}),
    });
    if (!final) {
      this.deps.writer.update(session.callId, { status: payload.call_status });
      return { status: 200, body: [] };
    }
    const answered = payload.call_status === 'completed';
    const duration = payload.duration ?? null;
    // A staff phone's dequeue is the other half of a queued caller's call, which is billed already.
    const billable = answered && duration !== null && !session.test && session.mode !== 'dequeue' ? Math.ceil(duration) : 0;
    // A transfer nobody took, and the caller gone before choosing a follow-up: the owner still hears of the caller.
    const transfer = session.transfer;
    if (transfer && transfer.dialStatus !== null && transfer.step !== 'connected') await this.notifyTransfer(session, 'none', null);
    const outcome = session.outcome ?? (!answered ? 'failed' : session.route === 'blocked' ? 'spam' : 'abandoned');
    session.ended = true;
    // The stores keep of a finished call only what recognises its late hooks (see `endedSession`). Not
    // waited for: the claim above already makes this end the only one, and jambonz waits for nothing here.
    this.deps.sessions.set(session, ENDED_SESSION_TTL_SECONDS).catch((error: unknown) => {
      this.deps.logger.error({ callSid: session.callSid, err: error }, 'saving the ended call failed; its late hooks may be taken as live');
    });
    this.deps.writer.update(session.callId, {
      status: payload.call_status,
      outcome,
      endedAt: now,
      durationSeconds: duration === null ? null : Math.round(duration),
      billableSeconds: billable,
      turnCount: session.seq,
      bookingId: session.bookingId,
      messageId: session.messageId,
      ...(session.transferTo ? { transferTo: session.transferTo } : {}),
    });
    this.deps.writer.flushSoon();
    this.deps.directory.addUsage(session.clientId, billable);
    if (session.held) {
      this.deps.ledger.releaseHolds(this.ctxOf(session), callHolder(session.callSid)).catch((error: unknown) => {
        this.deps.logger.warn({ err: error, callSid: session.callSid }, 'releasing the call\'s holds failed; they lapse by themselves');
      });
    }
    this.publish(session, CALL_EVENTS.ended, { callSid: session.callSid, callId: session.callId, startedAt: session.startedAt, status: payload.call_status, outcome, durationSeconds: duration, billableSeconds: billable });
    return { status: 200, body: [] };
  }

  // ---- helpers ------------------------------------------------------------------------------------

  /** The session of a call still in progress that `account` may drive; null for an unknown, finished or foreign call. */
  private async liveSession(callSid: string, account: AccountEntry | null, readSession: SessionRead): Promise<CallSession | null> {
    const session = await readSession(callSid);
    if (!session || session.ended) return null;
    if (!this.accountMayDrive(account, session.brandId, session.clientId)) {
      this.deps.logger.warn({ callSid, accountSid: account?.accountSid }, 'action hook from a jambonz account that does not own the call');
      return null;
    }
    return session;
  }

  private async conversation(session: CallSession, entry: ClientEntry, profile: AgentProfile) {
    const ctx = this.ctxOf(session);
    const engine: ConversationEngine = await this.deps.runtime.engine(ctx, session.engineId);
    const knowledge = await this.knowledgeOf(entry, profile, session.locale);
    const tools = createCallTools(session, { db: this.deps.db, ledger: this.deps.ledger, ctx, profile, confirmations: this.deps.confirmations });
    return { engine, knowledge, tools };
  }

  /** Knowledge per client and locale, rebuilt when the client's settings change. */
  private knowledgeOf(entry: ClientEntry, profile: AgentProfile, locale: string): Promise<AgentKnowledge> {
    const key = `${entry.client.id}:${locale}`;
    const hit = this.knowledgeCache.get(key);
    if (hit && hit.version === entry.version) return hit.knowledge;
    const knowledge = Promise.resolve(this.deps.runtime.knowledge({ client: entry.client, brand: entry.brand, profile, locale }));
    if (this.knowledgeCache.size > 5_000) this.knowledgeCache.clear();
    this.knowledgeCache.set(key, { version: entry.version, knowledge });
    knowledge.catch(() => this.knowledgeCache.delete(key));
    return knowledge;
  }

  private facts(session: CallSession, now: Date): CallFacts {
    return { callSid: session.callSid, callerNumber: session.from, callerName: session.callerName, now, route: session.route };
  }

  /**
   * The fallback after an internal error: an apology, then the call goes to the client's transfer number
   * when it has one, else to voicemail (which needs the call's session), else it ends politely.
   */
  private async failSafe(session: CallSession | null, entry: ClientEntry | null, locale: string): Promise<JambonzVerb[]> {
    try {
      const profile = entry?.profile ?? null;
      const voice = this.voiceOf(profile, locale);
      const forward = profile?.transferNumber || profile?.onCallNumber;
      const t = (key: string) => this.deps.i18n.t(`calls:hooks.${key}`, { lng: locale });
      let verbs: JambonzVerb[];
      let said: string;
      if (forward) {
        said = t('apology_forward');
        verbs = transferVerbs(said, forward, voice);
        if (session) {
          session.transferTo = forward;
          session.transfer = newTransfer(forward, 'fallback');
          session.lastAction = 'transfer';
        }
      } else if (session) {
        said = t('apology_voicemail');
        verbs = voicemailVerbs(said, voice);
        session.lastAction = 'voicemail';
      } else {
        said = t('apology_hangup');
        verbs = hangupVerbs(said, voice);
      }
      if (verbProblem(verbs)) return this.safe(locale);
      if (session) {
        session.opening = session.opening.length ? session.opening : verbs;
        this.agentLine(session, said);
        this.timeline(session, 'fallback', { action: session.lastAction });
        await this.deps.sessions.set(session);
      }
      return verbs;
    } catch (error) {
      this.deps.logger.error({ err: error, callSid: session?.callSid }, 'the fallback failed too; answered with the static one');
      return this.safe(locale);
    }
  }

  /** `calls:hooks.<key>` for a call's opening, translated once per locale, business and agent. */
  private openingPhrase(key: string, locale: string, business: string, agent: string): string {
    const id = `${locale}\u0000${key}\u0000${business}\u0000${agent}`;
    let phrase = this.openingPhrases.get(id);
    if (phrase === undefined) {
      phrase = this.deps.i18n.t(`calls:hooks.${key}`, { lng: locale, business, agent });
      if (this.openingPhrases.size >= 2_000) this.openingPhrases.clear();
      this.openingPhrases.set(id, phrase);
    }
    return phrase;
  }

  /** The default message for a call we cannot route, in the brand's language, then hang up. */
  private unrouted(locale: string, profile: AgentProfile | null): JambonzVerb[] {
    const verbs = hangupVerbs(this.deps.i18n.t('calls:hooks.unrouted', { lng: locale }), this.voiceOf(profile, locale));
    return verbProblem(verbs) ? this.safe(locale) : verbs;
  }

  private safe(locale: string): JambonzVerb[] {
    return this.safeByLocale.get(locale) ?? this.safeByLocale.get('en')!;
  }

  private async brandLocale(brandId: string | null | undefined): Promise<string> {
    if (!brandId) return 'en';
    try {
      const brand = await this.deps.db.forTenant({ brandId, clientId: null, locale: 'en' }).findOne(Brand, { id: brandId });
      return brand && isSupportedLocale(brand.defaultLocale) ? brand.defaultLocale : 'en';
    } catch {
      return 'en';
    }
  }

  private localeOf(entry: ClientEntry): string {
    if (isSupportedLocale(entry.client.locale)) return entry.client.locale;
    return isSupportedLocale(entry.brand.defaultLocale) ? entry.brand.defaultLocale : 'en';
  }

  /** The client's voice when it has one, else the instance's default voice for the locale. */
  voiceOf(profile: AgentProfile | null, locale: string): CallVoice {
    const own = profile?.voice;
    const language = own?.language || LANGUAGE_OF[locale] || 'en-US';
    const synthesizer = own
      ? { vendor: own.vendor, voice: own.voiceId, language, ...(own.label ? { label: own.label } : {}) }
      : { vendor: this.deps.settings.defaultVendor, voice: this.deps.settings.defaultVoices[locale] ?? this.deps.settings.defaultVoices.en ?? 'default', language };
    return { synthesizer, recognizer: { vendor: 'default', language } };
  }

  private ctxOf(session: CallSession): TenantContext {
    return { brandId: session.brandId, clientId: session.clientId, locale: session.locale, requestId: session.callSid };
  }

  private rowBase(session: CallSession) {
    return { callId: session.callId, brandId: session.brandId, clientId: session.clientId };
  }

  private agentLine(session: CallSession, text: string): void {
    this.deps.writer.turn({ ...this.rowBase(session), seq: session.seq++, speaker: 'agent', text, at: this.clock() });
  }

  private timeline(session: CallSession, key: string, data: Record<string, unknown>): void {
    this.deps.writer.event({ ...this.rowBase(session), key, at: this.clock(), data });
  }

  private publish(session: CallSession, type: string, payload: Record<string, unknown>): void {
    this.deps.events.publish({ type, brandId: session.brandId, clientId: session.clientId, payload }).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, type, callSid: session.callSid }, 'publishing a call event failed');
    });
  }
}

const SIGNATURE_MESSAGES: Record<string, string> = {
  missing: `the ${SIGNATURE_HEADER} header is missing`,
  malformed: `the ${SIGNATURE_HEADER} header is not t=<unix>,v1=<hex>`,
  expired: 'the signature is older than the tolerance (or from the future)',
  mismatch: 'the signature does not match the body under any secret of the account',
  no_secret: 'no jambonz account with a webhook secret is known for this request',
};

function refuse(status: number, code: string, message: string, field?: string): HookReply {
  return { status, body: { error: { code, message, ...(field ? { field } : {}) } } };
}

function invalid(error: import('zod').ZodError): HookReply {
  const { field, reason } = firstProblem(error);
  return refuse(400, 'jambonz.invalid_payload', `${field}: ${reason}`, field);
}


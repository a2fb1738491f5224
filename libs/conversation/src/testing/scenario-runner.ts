import type { i18n as I18n } from 'i18next';
import { formatLocal, parseLocal, type LoadedPack } from '@tero/core';
import type { PackScenario, ScenarioOutcomeKind } from '@tero/sdk';
import type { AgentKnowledge, AgentReply, CallFacts, ConversationEngine, EngineState } from '../engine.port';
import { buildKnowledge, profileDefaultsFromPack, type KnowledgeProfile } from '../knowledge/knowledge';
import { InMemoryLedger, type InMemoryAgentTools } from './in-memory-agent-tools';

/**
 * Replays a profession pack's scripted call ({@link PackScenario}) against any conversation engine,
 * turn by turn, at the scenario's moment, over an in-memory ledger, and checks what the call produced
 * against the scenario's `expect`. It also counts the agent's claims of a booking that the ledger
 * does not hold: the one mistake an agent must never make.
 */

/** The numbers of the test business: where "a person, please" and emergencies are put through. */
export const TEST_NUMBERS = { transfer: '+15550100001', onCall: '+15550100002' } as const;

/** What one scenario run showed. */
export interface ScenarioRun {
  scenarioId: string;
  locale: string;
  /** Every expectation of the scenario's `expect` (the call's outcome) was met. */
  met: boolean;
  /** The call-level expectations that were not met, in words. */
  misses: string[];
  /** Per-turn expectations (`intent`, `contains`) checked and missed, in words. */
  turnChecks: number;
  turnMisses: string[];
  /** Replies that said something was booked while this call had booked nothing. */
  falseBookingClaims: number;
  /** The outcomes the call produced. */
  outcomes: ScenarioOutcomeKind[];
  transcript: { speaker: 'agent' | 'caller'; text: string }[];
}

/** Seconds between the caller's turns, so that time passes as in a call (holds last minutes). */
const TURN_SECONDS = 20;

/** Words by which an agent says something is booked, per language (accents matter: "réserve" is no claim). */
const BOOKING_CLAIMS: Record<string, RegExp> = {
  en: /\b(booked|you're all set|you are all set)\b/i,
  es: /(reservad[ao]|queda confirmad[ao])/i,
  fr: /(réservée?s?\b|c'est confirmé)/i,
};

/**
 * Plays `scenario` with `engine`. `tools` must be fresh tools of an {@link InMemoryLedger} built over
 * the same `knowledge`; the runner pins the ledger's clock and seeds the scenario's existing bookings.
 */
export async function runScenarioWithEngine(
  engine: ConversationEngine,
  knowledge: AgentKnowledge,
  scenario: PackScenario,
  tools: InMemoryAgentTools,
): Promise<ScenarioRun> {
  const zone = knowledge.timezone;
  const run: ScenarioRun = {
    scenarioId: scenario.id,
    locale: scenario.locale,
    met: false,
    misses: [],
    turnChecks: 0,
    turnMisses: [],
    falseBookingClaims: 0,
    outcomes: [],
    transcript: [],
  };
  const start = parseLocal(scenario.at, zone);
  tools.ledger.setNow(start);
  for (const existing of scenario.existingBookings ?? []) {
    tools.ledger.seedBooking({ serviceId: existing.service, start: parseLocal(existing.start, zone), callerName: existing.callerName, callerPhone: existing.callerPhone });
  }
  const call: CallFacts = {
    callSid: tools.callSid,
    callerNumber: scenario.caller.number,
    callerName: scenario.caller.name ?? null,
    now: start,
    route: 'open',
  };
  const claims = BOOKING_CLAIMS[knowledge.locale.split('-')[0]!] ?? BOOKING_CLAIMS.en!;
  const replies: AgentReply[] = [];
  const listen = (reply: AgentReply) => {
    replies.push(reply);
    run.transcript.push({ speaker: 'agent', text: reply.say });
    const effects = tools.effects();
    if (claims.test(reply.say) && effects.booked.length === 0 && effects.rescheduled.length === 0) run.falseBookingClaims++;
  };

  listen(await engine.start(call, knowledge, tools));
  let state: EngineState = roundTrip(replies[0]!.state);
  for (const [index, turn] of scenario.turns.entries()) {
    const label = `turn ${index + 1} ("${turn.caller}")`;
    const last = replies[replies.length - 1]!;
    if (last.action.type !== 'listen') {
      run.turnMisses.push(`${label}: not played, the agent had already ended its part of the call (${last.action.type})`);
      continue;
    }
    const now = new Date(start.getTime() + (index + 1) * TURN_SECONDS * 1000);
    tools.ledger.setNow(now);
    run.transcript.push({ speaker: 'caller', text: turn.caller });
    const reply = await engine.turn({ ...call, now }, knowledge, state, { kind: 'speech', text: turn.caller, confidence: 0.92 }, tools);
    listen(reply);
    state = roundTrip(reply.state);
    if (turn.expect.intent) {
      run.turnChecks++;
      if (reply.intent !== turn.expect.intent) run.turnMisses.push(`${label}: intent ${reply.intent ?? 'none'}, expected ${turn.expect.intent}`);
    }
    for (const wanted of turn.expect.contains ?? []) {
      run.turnChecks++;
      if (!fold(reply.say).includes(fold(wanted))) run.turnMisses.push(`${label}: reply lacks "${wanted}": ${reply.say}`);
    }
  }

  const effects = tools.effects();
  const transfer = replies.find((r) => r.action.type === 'transfer')?.action;
  if (effects.booked.some((b) => b.status === 'booked')) run.outcomes.push('booked');
  if (effects.rescheduled.length > 0) run.outcomes.push('rescheduled');
  if (effects.cancelled.length > 0) run.outcomes.push('cancelled');
  if (effects.message) run.outcomes.push('message_taken');
  if (transfer) run.outcomes.push('transferred');
  if (run.outcomes.length === 0 && replies.some((r) => r.outcome === 'answered')) run.outcomes.push('answered');

  const expect = scenario.expect;
  const miss = (text: string) => run.misses.push(text);
  if (!run.outcomes.includes(expect.outcome)) miss(`outcome ${run.outcomes.join('+') || 'none'}, expected ${expect.outcome}`);
  if (expect.service || expect.start) {
    const booking =
      expect.outcome === 'rescheduled' ? effects.rescheduled[effects.rescheduled.length - 1]?.booking : effects.booked.find((b) => b.status === 'booked');
    if (booking && expect.service && booking.serviceId !== expect.service) miss(`service ${booking.serviceId}, expected ${expect.service}`);
    if (booking && expect.start && formatLocal(booking.start, zone) !== expect.start) miss(`start ${formatLocal(booking.start, zone)}, expected ${expect.start}`);
  }
  if (expect.callbackNumber && effects.message?.callbackNumber !== expect.callbackNumber) {
    miss(`callback number ${effects.message?.callbackNumber ?? 'none'}, expected ${expect.callbackNumber}`);
  }
  if (expect.transferTo) {
    const wanted = expect.transferTo === 'onCall' ? tools.transferTarget('emergency') : tools.transferTarget('human');
    if (!transfer || transfer.type !== 'transfer' || transfer.to !== wanted) miss(`transfer to ${transfer?.type === 'transfer' ? transfer.to : 'nobody'}, expected ${expect.transferTo} (${wanted})`);
  }
  if (expect.faq) {
    const entry = knowledge.faq.find((f) => f.id === expect.faq);
    if (!entry) miss(`FAQ ${expect.faq} is not in the knowledge`);
    else if (!replies.some((r) => saysAnswer(r.say, entry.answer))) miss(`the answer of FAQ ${expect.faq} was not given`);
  }
  if (expect.endedByAgent !== undefined) {
    const ended = replies[replies.length - 1]!.action.type === 'hangup';
    if (ended !== expect.endedByAgent) miss(expect.endedByAgent ? 'the agent did not end the call' : 'the agent hung up');
  }
  run.met = run.misses.length === 0;
  return run;
}

/** Everything needed to replay a pack's scenarios: a test business built from the pack's defaults. */
export interface PackHarness {
  /** The knowledge of the test business in `locale` (cached per locale). */
  knowledge(locale: string): AgentKnowledge;
  /** Fresh tools over a fresh ledger for one call in `locale`. */
  tools(locale: string, callSid?: string): InMemoryAgentTools;
}

/**
 * The business a pack's scenarios are written for: the pack's hours, services, FAQ and policies, with
 * {@link TEST_NUMBERS} to put calls through; `overrides` name it (agent, address, phone…).
 */
export function scenarioBusinessProfile(pack: Pick<LoadedPack, 'id' | 'manifest' | 'prompts'>, overrides: Partial<KnowledgeProfile> = {}): KnowledgeProfile {
  const defaults = profileDefaultsFromPack(pack);
  return {
    agentName: 'Ava',
    address: '100 Main Street, Springfield',
    businessPhone: '+15550100000',
    hours: defaults.hours,
    exceptions: [],
    services: defaults.services,
    faq: defaults.faq,
    emergencyKeywords: {},
    policies: defaults.policies,
    transferNumber: TEST_NUMBERS.transfer,
    onCallNumber: TEST_NUMBERS.onCall,
    ...overrides,
  };
}

/**
 * A test business running `pack` with the pack's defaults, a transfer and an on-call number
 * ({@link TEST_NUMBERS}), in New York time unless `timezone` is given.
 */
export function createPackHarness(pack: Pick<LoadedPack, 'id' | 'manifest' | 'prompts'>, i18n: I18n, options: { timezone?: string; profile?: Partial<KnowledgeProfile> } = {}): PackHarness {
  const defaults = profileDefaultsFromPack(pack);
  const profile = scenarioBusinessProfile(pack, options.profile);
  const client = { id: `client-${pack.id}`, name: `Sample ${pack.manifest.name.en ?? pack.id}`, timezone: options.timezone ?? 'America/New_York', locale: 'en' };
  const brand = { id: 'brand-test', currency: 'USD' };
  const byLocale = new Map<string, AgentKnowledge>();
  let calls = 0;
  const knowledge = (locale: string) => {
    let found = byLocale.get(locale);
    if (!found) {
      found = buildKnowledge({ pack, profile, client, brand, locale, i18n });
      byLocale.set(locale, found);
    }
    return found;
  };
  return {
    knowledge,
    tools: (locale, callSid = `call-${++calls}`) =>
      new InMemoryLedger({ knowledge: knowledge(locale), capacity: defaults.capacity }).toolsFor(callSid, {
        human: profile.transferNumber ?? null,
        emergency: profile.onCallNumber ?? null,
      }),
  };
}

/** Whether a reply gave an FAQ answer: its text, or most of its words (an LLM may rephrase a little). */
function saysAnswer(reply: string, answer: string): boolean {
  const said = fold(reply);
  if (said.includes(fold(answer))) return true;
  const words = fold(answer).split(' ').filter((w) => w.length > 3);
  const heard = new Set(said.split(' '));
  return words.length > 0 && words.filter((w) => heard.has(w)).length / words.length >= 0.6;
}

function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function roundTrip(state: EngineState): EngineState {
  return JSON.parse(JSON.stringify(state)) as EngineState;
}

import { join } from 'node:path';
import type { i18n as I18n } from 'i18next';
import { createI18n, parseLocal } from '@tero/core';
import {
  TeroError,
  type LlmProvider,
  type LlmRequest,
  type LlmResult,
  type LlmStreamEvent,
  type LlmToolCall,
  type TenantContext,
} from '@tero/sdk';
import type { AgentKnowledge, AgentReply, AgentTools, CallFacts, EngineState } from '../engine.port';
import { LlmAgentEngine, type LlmAgentEngineOptions } from './llm-agent.engine';

const TZ = 'America/New_York';
const ctx: TenantContext = { brandId: 'brand-1', clientId: 'client-1', locale: 'en' };

const knowledge: AgentKnowledge = {
  brandId: 'brand-1',
  clientId: 'client-1',
  locale: 'en',
  timezone: TZ,
  currency: 'USD',
  business: { name: 'Bright Smile Dental', phone: '+15550100000', address: '1 Main St' },
  agentName: 'Ava',
  greeting: 'Thank you for calling Bright Smile Dental, this is Ava. How can I help?',
  systemPrompt: 'You are Ava, the receptionist of Bright Smile Dental.',
  services: [
    { id: 'cleaning', name: 'Teeth cleaning', keywords: ['cleaning', 'hygiene'], durationMinutes: 60, bufferMinutes: 0, price: { amountMinor: 12000, currency: 'USD' }, bookable: true },
    { id: 'emergency-visit', name: 'Emergency visit', keywords: ['emergency'], durationMinutes: 30, bufferMinutes: 0, price: { amountMinor: 15000, currency: 'USD' }, bookable: false },
  ],
  faq: [
    {
      id: 'parking',
      question: 'Is there parking?',
      answer: 'Yes, there is free parking for patients right in front of the building.',
      keywords: ['parking'],
    },
  ],
  hours: { mon: [['08:00', '17:00']], tue: [['08:00', '17:00']], wed: [], thu: [], fri: [], sat: [], sun: [] },
  exceptions: [],
  emergencyKeywords: ['knocked out', 'abscess', 'bleeding'],
  emergencyPolicy: { action: 'transfer', say: 'I am putting you through to our on-call dentist now.' },
  intents: {},
  canTransferToHuman: true,
  canTransferEmergency: true,
};

const call: CallFacts = { callSid: 'CA1', callerNumber: '+15550142233', callerName: null, now: parseLocal('2026-03-09T10:00', TZ), route: 'open' };

type Scripted = LlmResult | TeroError;

/** A provider answering from a script, recording what it was asked; streams text in two deltas. */
class ScriptedProvider implements LlmProvider {
  readonly requests: LlmRequest[] = [];
  constructor(private readonly script: Scripted[]) {}

  private next(request: LlmRequest): LlmResult {
    this.requests.push(structuredClone({ ...request, signal: undefined }));
    const reply = this.script.shift();
    if (!reply) throw new Error('the script has no more replies');
    if (reply instanceof TeroError) throw reply;
    return reply;
  }

  async complete(_ctx: TenantContext, request: LlmRequest): Promise<LlmResult> {
    return this.next(request);
  }

  async *stream(_ctx: TenantContext, request: LlmRequest): AsyncGenerator<LlmStreamEvent> {
    const result = this.next(request);
    const half = Math.ceil(result.text.length / 2);
    for (const delta of [result.text.slice(0, half), result.text.slice(half)]) if (delta) yield { type: 'text', delta };
    for (const toolCall of result.toolCalls) yield { type: 'tool_call', call: toolCall };
    yield { type: 'done', result };
  }
}

const said = (text: string): LlmResult => ({ text, toolCalls: [], finishReason: 'stop', usage: null });
const calls = (...toolCalls: [string, Record<string, unknown> | string][]): LlmResult => ({
  text: '',
  toolCalls: toolCalls.map(([name, args], i): LlmToolCall => {
    const argumentsText = typeof args === 'string' ? args : JSON.stringify(args);
    let parsed: Record<string, unknown> | null = null;
    try {
      parsed = JSON.parse(argumentsText) as Record<string, unknown>;
    } catch {
      parsed = null;
    }
    return { id: `call_${name}_${i}`, name, arguments: parsed, argumentsText };
  }),
  finishReason: 'tool_calls',
  usage: null,
});
const vendorDown = () => new TeroError('llm.unavailable', 'vendor answered 503', {}, { retryable: true });

/** Tools that record what they were asked; the ledger's answers are set per test. */
function recordingTools(overrides: Partial<AgentTools> = {}): AgentTools & { log: string[] } {
  const log: string[] = [];
  const tools: AgentTools = {
    async checkAvailability(query) {
      log.push(`checkAvailability ${query.serviceId}`);
      return [{ serviceId: query.serviceId, start: parseLocal('2026-03-10T09:00', TZ), end: parseLocal('2026-03-10T10:00', TZ) }];
    },
    async holdSlot(query) {
      log.push(`holdSlot ${query.serviceId}`);
      return { ok: true, holdId: 'hold-1', serviceId: query.serviceId, start: query.start, end: new Date(query.start.getTime() + 3_600_000), expiresAt: new Date(query.start.getTime()) };
    },
    async book(query) {
      log.push(`book ${query.holdId} ${query.callerName} ${query.callerPhone}`);
      return { ok: true, bookingId: 'booking-1', serviceId: 'cleaning', start: parseLocal('2026-03-10T09:00', TZ), end: parseLocal('2026-03-10T10:00', TZ) };
    },
    async findBookings() {
      return [];
    },
    async reschedule() {
      return { ok: false, reason: 'not_found' };
    },
    async cancel() {
      return { ok: false, reason: 'not_found' };
    },
    async takeMessage(query) {
      log.push(`takeMessage ${query.callbackNumber} urgent=${query.urgent ?? false} ${query.text}`);
      return { messageId: 'message-1' };
    },
    transferTarget(reason) {
      return reason === 'human' ? '+15550100001' : '+15550100002';
    },
    async sendConfirmation() {
      return { sent: false };
    },
    ...overrides,
  };
  return Object.assign(tools, { log });
}

let i18n: I18n;
beforeAll(async () => {
  i18n = await createI18n(join(__dirname, '../../../../locales'));
});

function engine(provider: LlmProvider, options: Partial<LlmAgentEngineOptions> = {}): LlmAgentEngine {
  return new LlmAgentEngine({ id: 'llm-openai', provider, ctx, i18n, ...options });
}

/** Starts a call and plays the caller's lines, returning every reply. */
async function talk(agent: LlmAgentEngine, tools: AgentTools, lines: (string | { kind: 'silence' })[]): Promise<AgentReply[]> {
  const replies = [await agent.start(call, knowledge, tools)];
  let state: EngineState = replies[0].state;
  for (const line of lines) {
    const input = typeof line === 'string' ? ({ kind: 'speech', text: line } as const) : line;
    const reply = await agent.turn(call, knowledge, JSON.parse(JSON.stringify(state)) as EngineState, input, tools);
    replies.push(reply);
    state = reply.state;
  }
  return replies;
}

describe('LlmAgentEngine', () => {
  it('greets without the model, then books through the tools and sends the results back to the model', async () => {
    const provider = new ScriptedProvider([
      calls(['check_availability', { service_id: 'cleaning', from: '2026-03-10T08:00', to: '2026-03-10T12:00' }]),
      said('I have Tuesday at 9. Shall I hold it?'),
      calls(['hold_slot', { service_id: 'cleaning', start: '2026-03-10T09:00' }]),
      said('Held. Your name and number?'),
      calls(['book', { hold_id: 'hold-1', caller_name: 'Maria Lopez', caller_phone: '+15550142233' }]),
      said("You're booked for a cleaning on Tuesday at 9."),
    ]);
    const tools = recordingTools();

    const replies = await talk(engine(provider), tools, ['A cleaning Tuesday morning?', 'Yes, 9 is fine.', 'Maria Lopez, this number. Book it.']);

    expect(replies.map((r) => r.say)).toEqual([
      knowledge.greeting,
      'I have Tuesday at 9. Shall I hold it?',
      'Held. Your name and number?',
      "You're booked for a cleaning on Tuesday at 9.",
    ]);
    expect(replies.slice(1).map((r) => [r.action.type, r.intent])).toEqual([
      ['listen', 'book'],
      ['listen', 'book'],
      ['listen', 'book'],
    ]);
    expect(tools.log).toEqual(['checkAvailability cleaning', 'holdSlot cleaning', 'book hold-1 Maria Lopez +15550142233']);
    const second = provider.requests[1];
    expect(second.messages[0]).toMatchObject({ role: 'system' });
    expect(second.messages[0].content).toContain('You are Ava');
    expect(second.messages[0].content).toContain('Monday 2026-03-09 10:00');
    expect(second.messages[0].content).toContain('+15550142233');
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', toolCallId: 'call_check_availability_0' });
    expect(JSON.parse(second.messages.at(-1)!.content)).toMatchObject({ ok: true, slots: [{ start: '2026-03-10T09:00', weekday: 'Tuesday' }] });
    expect(second.tools!.map((tool) => tool.name)).toEqual([
      'check_availability',
      'hold_slot',
      'book',
      'find_bookings',
      'reschedule',
      'cancel',
      'take_message',
      'transfer',
      'send_confirmation',
      'end_call',
    ]);
  });

  it('answers invalid, malformed and unknown calls with error results the model can correct', async () => {
    const provider = new ScriptedProvider([
      calls(
        ['take_message', { callback_number: '555 014 2233', text: 'Call me' }],
        ['hold_slot', '{"service_id": "cleaning", "start": '],
        ['launch_rocket', {}],
        ['check_availability', { service_id: 'emergency-visit', from: '2026-03-10', to: '2026-03-10' }],
      ),
      said('Sorry, what number should we call?'),
    ]);
    const tools = recordingTools();

    const [, reply] = await talk(engine(provider), tools, ['Take a message please']);

    expect(reply.say).toBe('Sorry, what number should we call?');
    expect(tools.log).toEqual([]);
    const results = provider.requests[1].messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(m.content) as Record<string, unknown>);
    expect(results).toHaveLength(4);
    expect(results.every((r) => r.ok === false)).toBe(true);
    expect(results[0].issues).toEqual([expect.stringContaining('callback_number')]);
    expect(results[1].error).toBe('the arguments are not a JSON object');
    expect(results[2].error).toBe('unknown function "launch_rocket"');
    expect(results[3].issues).toEqual([expect.stringContaining('service_id')]);
  });

  it('maps end_call to a hang-up and transfer to the client\'s number', async () => {
    const bye = new ScriptedProvider([calls(['end_call', { farewell: 'Thanks for calling, goodbye!' }])]);
    const [, hangup] = await talk(engine(bye), recordingTools(), ["That's all, thanks"]);
    expect([hangup.say, hangup.action, hangup.intent]).toEqual(['Thanks for calling, goodbye!', { type: 'hangup' }, 'goodbye']);

    const human = new ScriptedProvider([{ ...calls(['transfer', { reason: 'human' }]), text: 'Let me get someone for you.' }]);
    const [, transfer] = await talk(engine(human), recordingTools(), ['Can I talk to a person?']);
    expect([transfer.say, transfer.action]).toEqual(['Let me get someone for you.', { type: 'transfer', to: '+15550100001', reason: 'human' }]);
  });

  it('tells the model when nobody can take a transfer, and keeps listening', async () => {
    const provider = new ScriptedProvider([calls(['transfer', { reason: 'human' }]), said('Nobody is free; can I take a message?')]);
    const tools = recordingTools({ transferTarget: () => null });

    const [, reply] = await talk(engine(provider), tools, ['A person please']);

    expect([reply.say, reply.action.type]).toEqual(['Nobody is free; can I take a message?', 'listen']);
    expect(JSON.parse(provider.requests[1].messages.at(-1)!.content)).toMatchObject({ ok: false, error: 'no_number' });
  });

  it('transfers an emergency on its keywords before the model hears anything', async () => {
    const provider = new ScriptedProvider([]);

    const [, reply] = await talk(engine(provider), recordingTools(), ['His tooth got KNOCKED-OUT and it is bleeding!']);

    expect(reply).toMatchObject({ say: knowledge.emergencyPolicy.say, action: { type: 'transfer', to: '+15550100002', reason: 'emergency' }, intent: 'emergency' });
    expect(provider.requests).toEqual([]);
  });

  it('leaves an urgent message with the caller number when an emergency cannot be put through', async () => {
    const tools = recordingTools({ transferTarget: () => null });

    const [, reply] = await talk(engine(new ScriptedProvider([])), tools, ['I have an abscess']);

    expect(tools.log).toEqual(['takeMessage +15550142233 urgent=true I have an abscess']);
    expect(reply.action.type).toBe('listen');
    expect(reply.say).toContain('+15550142233');
  });

  it('never speaks a booking claim the ledger did not confirm: asks again, then says what is true', async () => {
    const honest = new ScriptedProvider([said("You're all booked for Tuesday!"), said('Which day would suit you?')]);
    const [, corrected] = await talk(engine(honest), recordingTools(), ['Book me Tuesday']);
    expect(corrected.say).toBe('Which day would suit you?');
    expect(honest.requests[1].messages.at(-1)).toMatchObject({ role: 'system' });

    const stubborn = new ScriptedProvider([said("You're all booked for Tuesday!"), said('Your appointment is booked.')]);
    const [, safe] = await talk(engine(stubborn), recordingTools(), ['Book me Tuesday']);
    expect(safe.say).toBe(i18n.t('calls:llm.not_booked_yet', { lng: 'en' }));
  });

  it('apologises and offers a way out when the model fails, then puts the caller through on the next failure', async () => {
    const provider = new ScriptedProvider([vendorDown(), new TeroError('llm.timeout', 'took too long', {}, { retryable: true })]);

    const [, first, second] = await talk(engine(provider, { streaming: false }), recordingTools(), ['Hello?', 'Are you there?']);

    expect([first.say, first.action.type]).toEqual([i18n.t('calls:llm.unavailable_offer_transfer', { lng: 'en' }), 'listen']);
    expect(second.action).toEqual({ type: 'transfer', to: '+15550100001', reason: 'human' });
  });

  it('leaves what the caller said as a message when the model keeps failing and nobody can take the call', async () => {
    const provider = new ScriptedProvider([vendorDown(), vendorDown()]);
    const tools = recordingTools({ transferTarget: () => null });

    const [, , second] = await talk(engine(provider), tools, ['I need to move my cleaning', 'Please call me back']);

    expect(tools.log).toEqual(['takeMessage +15550142233 urgent=false I need to move my cleaning\nPlease call me back']);
    expect(second.action).toEqual({ type: 'hangup' });
  });

  it('ends the turn safely after the round limit when the model keeps calling tools', async () => {
    const looping = Array.from({ length: 5 }, () => calls(['find_bookings', {}]));
    const provider = new ScriptedProvider(looping);

    const [, reply] = await talk(engine(provider, { maxRounds: 5 }), recordingTools(), ['Where is my booking?']);

    expect(provider.requests).toHaveLength(5);
    expect(reply.action.type).toBe('listen');
    expect(reply.say).toBe(i18n.t('calls:llm.unavailable_offer_transfer', { lng: 'en' }));
  });

  it('keeps a capped conversation in JSON state that never opens on a tool result', async () => {
    const script: LlmResult[] = [];
    for (let i = 0; i < 6; i++) script.push(calls(['find_bookings', {}]), said(`Answer ${i}`));
    const provider = new ScriptedProvider(script);

    const replies = await talk(engine(provider, { historyLimit: 6 }), recordingTools(), ['q0', 'q1', 'q2', 'q3', 'q4', 'q5']);

    const messages = (replies.at(-1)!.state as { messages: { role: string; content: string }[] }).messages;
    expect(messages.length).toBeLessThanOrEqual(8);
    expect(messages[0]).toMatchObject({ role: 'user' });
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', content: 'Answer 5' });
    expect(provider.requests.at(-1)!.messages.some((m) => m.content === 'q0')).toBe(false);
  });

  it('re-prompts on silence and says goodbye after two in a row, without the model', async () => {
    const provider = new ScriptedProvider([]);

    const [, first, second] = await talk(engine(provider), recordingTools(), [{ kind: 'silence' }, { kind: 'silence' }]);

    expect([first.say, first.action.type]).toEqual([i18n.t('calls:llm.still_there', { lng: 'en' }), 'listen']);
    expect(second.action.type).toBe('hangup');
    expect(provider.requests).toEqual([]);
  });

  it('records the answered outcome when the model gives one of the business answers, and no outcome for small talk', async () => {
    const provider = new ScriptedProvider([said('Yes, there is free parking for patients right in front of the building.'), said('You are welcome!')]);

    const [, answer, thanks] = await talk(engine(provider), recordingTools(), ['Is there parking?', 'Thanks']);

    expect([answer.outcome, answer.intent]).toEqual(['answered', 'faq']);
    expect(thanks.outcome).toBeUndefined();
  });

  it('starts afresh from a state another engine wrote', async () => {
    const provider = new ScriptedProvider([said('How can I help?')]);

    const reply = await engine(provider).turn(call, knowledge, { builtin: true, step: 'x' }, { kind: 'speech', text: 'Hi' }, recordingTools());

    expect(reply.say).toBe('How can I help?');
    expect(provider.requests[0].messages.slice(1)).toEqual([{ role: 'user', content: 'Hi' }]);
  });
});

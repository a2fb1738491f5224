import { randomBytes } from 'node:crypto';
import { type AgentKnowledge, type CallFacts, type ConversationEngine, type EngineState, type InMemoryAgentTools, InMemoryLedger } from '@tero/conversation';
import { TeroError, type TenantContext } from '@tero/sdk';

/**
 * "Talk to your agent": a typed conversation with the engine the client's calls use, over an in-memory
 * ledger so that nothing is booked or taken for real. A conversation lives in this process's memory for
 * {@link SESSION_TTL_MS} under a short random id (the ledger's holds cannot be written elsewhere); a
 * message that reaches another replica, or comes after that, starts a new conversation and says so.
 */

export interface TalkLine {
  speaker: 'agent' | 'caller';
  text: string;
}

/** What one message got back. */
export interface TalkAnswer {
  sessionId: string;
  /** A new conversation started with this message (none was given, or it had expired). */
  restarted: boolean;
  /** The agent's greeting first when the conversation started, then the caller's line and the agent's answer. */
  lines: TalkLine[];
  /** The whole conversation so far (its last {@link MAX_TRANSCRIPT} lines), for a page that shows it again. */
  transcript: TalkLine[];
  /** The agent ended its part (a transfer, voicemail or goodbye): what it would do on a call. */
  ended: null | 'transfer' | 'voicemail' | 'hangup';
  /** The engine that answered (`builtin` does not read the system prompt). */
  engineId: string;
}

/** What a new conversation is built from. */
export interface TalkSetup {
  knowledge: AgentKnowledge;
  engineId: string;
  capacity: number;
  transfer: { human: string | null; emergency: string | null };
}

interface Session {
  id: string;
  clientId: string;
  engineId: string;
  knowledge: AgentKnowledge;
  tools: InMemoryAgentTools;
  state: EngineState;
  transcript: TalkLine[];
  ended: TalkAnswer['ended'];
  lastAt: number;
}

export const SESSION_TTL_MS = 30 * 60_000;
const MAX_SESSIONS = 500;
export const MAX_TRANSCRIPT = 100;
/** The caller id the test conversation shows the engine. */
const TEST_CALLER = '+15550100999';

export class PromptTalk {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly deps: { clock: () => Date; engines: { engine(ctx: TenantContext, engineId: string): ConversationEngine | Promise<ConversationEngine> } }) {}

  async say(ctx: TenantContext, input: { sessionId: string | null; text: string }, setup: () => Promise<TalkSetup>): Promise<TalkAnswer> {
    if (!ctx.clientId) throw new TeroError('prompts.client_only', 'the agent prompt belongs to a client', {}, { status: 403 });
    const now = this.deps.clock();
    this.sweep(now.getTime());
    let session = input.sessionId ? this.sessions.get(input.sessionId) : undefined;
    // Another client's id is as good as none: it names nothing of this client's.
    if (session && session.clientId !== ctx.clientId) session = undefined;
    const lines: TalkLine[] = [];
    const restarted = !session || session.ended !== null;
    if (!session || session.ended) {
      const made = await setup();
      const id = randomBytes(9).toString('base64url');
      const ledger = new InMemoryLedger({ knowledge: made.knowledge, capacity: made.capacity, now });
      const tools = ledger.toolsFor(`talk-${id}`, made.transfer);
      const engine = await this.deps.engines.engine(ctx, made.engineId);
      const reply = await engine.start(this.call(id, now), made.knowledge, tools);
      lines.push({ speaker: 'agent', text: reply.say });
      session = { id, clientId: ctx.clientId, engineId: engine.id, knowledge: made.knowledge, tools, state: roundTrip(reply.state), transcript: [], ended: endOf(reply.action.type), lastAt: now.getTime() };
      this.sessions.delete(id);
      this.sessions.set(id, session);
      if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    }
    if (input.text && !session.ended) {
      session.tools.ledger.setNow(now);
      const engine = await this.deps.engines.engine(ctx, session.engineId);
      lines.push({ speaker: 'caller', text: input.text });
      const reply = await engine.turn(this.call(session.id, now), session.knowledge, session.state, { kind: 'speech', text: input.text, confidence: 0.95 }, session.tools);
      lines.push({ speaker: 'agent', text: reply.say });
      session.state = roundTrip(reply.state);
      session.ended = endOf(reply.action.type);
    }
    session.lastAt = now.getTime();
    session.transcript.push(...lines);
    session.transcript.splice(0, Math.max(0, session.transcript.length - MAX_TRANSCRIPT));
    return { sessionId: session.id, restarted, lines, transcript: [...session.transcript], ended: session.ended, engineId: session.engineId };
  }

  clear(): void {
    this.sessions.clear();
  }

  private call(id: string, now: Date): CallFacts {
    return { callSid: `talk-${id}`, callerNumber: TEST_CALLER, callerName: null, now, route: 'open' };
  }

  private sweep(now: number): void {
    for (const [id, session] of this.sessions) {
      if (now - session.lastAt > SESSION_TTL_MS) this.sessions.delete(id);
    }
  }
}

function endOf(action: 'listen' | 'transfer' | 'voicemail' | 'hangup'): TalkAnswer['ended'] {
  return action === 'listen' ? null : action;
}

/** As on a call: the state goes through JSON between turns, so an engine cannot keep anything else in it. */
function roundTrip(state: EngineState): EngineState {
  return JSON.parse(JSON.stringify(state)) as EngineState;
}

import { TeroError } from '@tero/sdk';
import type { JambonzSimulator } from '../simulator/jambonz-simulator';
import { SimulatorError } from '../simulator/simulator.error';
import type { CallOutcomeHints, CallerAction, ListenContext, SimulatedCall, SimulatedCallRequest, TranscriptEntry } from '../simulator/simulator.types';

/** What a person typing to their agent does on their turn. */
export type TestCallTurn = { text: string } | { silence: true } | { digits: string };

/** A line of the conversation as the dashboard shows it. */
export interface TestCallLine {
  /** `system`: what the platform did (a transfer, a hang-up), not words anyone said. */
  speaker: TranscriptEntry['speaker'];
  text: string;
  /** `say`, `speech`, `dtmf`, `silence`, `hangup`…: lets a reader show "(presses 1)" or "(silence)". */
  kind: string;
}

/** A test call as its owner sees it after each step. */
export interface TestCallView {
  id: string;
  /** The whole conversation so far. */
  transcript: TestCallLine[];
  ended: boolean;
  /** What the agent waits for now (null once the call ended): an answer, or a message being recorded. */
  awaiting: { mode: ListenContext['mode']; accepts: ListenContext['accepts'] } | null;
  /** Who ended the call, once it ended. */
  endedBy: CallOutcomeHints['endedBy'] | null;
  /** jambonz's id of the call, once it ended: the key of its call record. */
  callSid: string | null;
  /** Set when our webhooks answered something jambonz would refuse: the call broke there. */
  error: { code: string; message: string } | null;
}

/** 409: a turn while the agent is still answering the previous one. */
export class TestCallBusyError extends TeroError {
  constructor() {
    super('test_call.busy', 'the agent is still answering; send the next turn once it has', {}, { status: 409 });
  }
}

/** 409: a turn after the call ended. */
export class TestCallEndedError extends TeroError {
  constructor() {
    super('test_call.ended', 'this test call has ended; start a new one', {}, { status: 409 });
  }
}

/**
 * One simulated call driven by typed turns. The simulator plays the call as jambonz would and asks its
 * input source for the caller's move each time the agent listens; here that source waits for the next
 * {@link turn}. Each step returns once the agent has spoken and listens again, or the call ended — so a
 * request/response API can sit on top. The driver lives in this process's memory.
 */
export class LiveTestCall {
  private readonly lines: TestCallLine[] = [];
  private waitingCaller: ((action: CallerAction) => void) | null = null;
  private awaiting: TestCallView['awaiting'] = null;
  private hangupRequested = false;
  private ended = false;
  private endedBy: TestCallView['endedBy'] = null;
  private callSid: string | null = null;
  private error: TestCallView['error'] = null;
  private wakers: (() => void)[] = [];
  private done: Promise<void> = Promise.resolve();
  /** When the call was last started, turned or read (ms, on the registry's clock). */
  lastActivityAt: number;
  /** An unexpected (non-protocol) failure that ended the call, for the service to log. */
  cause: unknown = null;

  constructor(
    readonly id: string,
    readonly brandId: string,
    readonly clientId: string,
    now: number,
  ) {
    this.lastActivityAt = now;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Places the call; resolves with the agent's opening once it listens (or with the ended call). */
  start(simulator: JambonzSimulator, request: Omit<SimulatedCallRequest, 'input'>): Promise<TestCallView> {
    this.done = simulator.call({ ...request, input: (context) => this.listen(context) }).then(
      (call) => this.finish(call, null),
      (error: unknown) => this.finish(error instanceof SimulatorError ? error.call : null, error),
    );
    return this.settled();
  }

  /** The caller's move; resolves once the agent answered and listens again, or the call ended. */
  turn(turn: TestCallTurn): Promise<TestCallView> {
    if (this.ended) throw new TestCallEndedError();
    const deliver = this.waitingCaller;
    if (!deliver) throw new TestCallBusyError();
    this.waitingCaller = null;
    this.awaiting = null;
    let action: CallerAction;
    if ('text' in turn) {
      action = { speech: turn.text };
      this.lines.push({ speaker: 'caller', text: turn.text, kind: 'speech' });
    } else if ('digits' in turn) {
      action = { dtmf: turn.digits };
      this.lines.push({ speaker: 'caller', text: turn.digits, kind: 'dtmf' });
    } else {
      action = { silence: true };
      this.lines.push({ speaker: 'caller', text: '…', kind: 'silence' });
    }
    deliver(action);
    return this.settled();
  }

  /** The caller hangs up (now, or as soon as the agent listens); resolves with the ended call. */
  async hangUp(): Promise<TestCallView> {
    this.hangupRequested = true;
    const deliver = this.waitingCaller;
    this.waitingCaller = null;
    deliver?.({ hangup: true });
    await this.done;
    return this.view();
  }

  /** The call as it stands. */
  view(): TestCallView {
    return {
      id: this.id,
      transcript: this.lines.map((line) => ({ ...line })),
      ended: this.ended,
      awaiting: this.awaiting ? { mode: this.awaiting.mode, accepts: [...this.awaiting.accepts] } : null,
      endedBy: this.endedBy,
      callSid: this.callSid,
      error: this.error,
    };
  }

  /** The simulator's input source: shows what the agent said, then waits for the caller's turn. */
  private listen(context: ListenContext): Promise<CallerAction> {
    for (const said of context.agentSaid) this.lines.push({ speaker: 'agent', text: said, kind: 'say' });
    if (this.hangupRequested) return Promise.resolve({ hangup: true });
    this.awaiting = { mode: context.mode, accepts: context.accepts };
    return new Promise<CallerAction>((resolve) => {
      this.waitingCaller = resolve;
      this.wake();
    });
  }

  private finish(call: SimulatedCall | null, error: unknown): void {
    if (call) {
      // The simulator's own record is the complete one: it adds what the platform did (a transfer, the hang-up).
      this.lines.splice(0, this.lines.length, ...call.transcript.map(({ speaker, text, kind }) => ({ speaker, text, kind })));
      this.endedBy = call.outcome.endedBy;
      this.callSid = call.callSid;
    }
    if (error) {
      this.error = error instanceof TeroError ? { code: error.code, message: error.message } : { code: 'internal', message: 'the simulated call failed' };
      if (!(error instanceof SimulatorError)) this.cause = error;
    }
    this.ended = true;
    this.awaiting = null;
    this.waitingCaller = null;
    this.wake();
  }

  /** Resolves with the view once the agent listens or the call ended (at once when it already does). */
  private settled(): Promise<TestCallView> {
    if (this.ended || this.waitingCaller) return Promise.resolve(this.view());
    return new Promise<TestCallView>((resolve) => this.wakers.push(() => resolve(this.view())));
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const waker of wakers) waker();
  }
}

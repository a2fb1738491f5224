import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError, parseInput } from '@tero/accounts';
import { type Database, PhoneNumber } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AccountEntry, CallDirectory } from '../call-directory';
import { JambonzSimulator } from '../simulator/jambonz-simulator';
import { LiveTestCall, type TestCallTurn, type TestCallView } from './live-test-call';
import { TEST_CALL_ENV_VAR, type TestCallMarker } from './test-call-marker';
import { simulatorRouting, testCallRoutingSchema } from './test-call-routing';

/** Limits of the test calls one process keeps. */
export interface AgentTestCallsSettings {
  /** Test calls (live or ended) kept per client; an ended one makes room for a new one. */
  perClient: number;
  /** Test calls kept by this process, all clients together. */
  total: number;
  /** A call nobody touched for this long is hung up and forgotten. */
  idleSeconds: number;
  /** The caller id test calls come from (a fictional 555-01xx number). */
  callerId: string;
}

export const DEFAULT_TEST_CALL_SETTINGS: AgentTestCallsSettings = { perClient: 3, total: 200, idleSeconds: 600, callerId: '+15550100111' };

export interface AgentTestCallsDeps {
  db: Database;
  directory: CallDirectory;
  marker: TestCallMarker;
  /** The hooks' signature setting: with `off`, a client without a jambonz account can still test (unsigned). */
  signatures: 'on' | 'off';
  /** Where our jambonz hooks are and how a request reaches them (the server hands requests to itself in-process). */
  hooks: { baseUrl: string; fetch?: typeof fetch };
  logger: Logger;
  settings?: Partial<AgentTestCallsSettings>;
  /** Clock of the idle limit (ms). */
  now?: () => number;
}

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +15551234567');

const startSchema = z.strictObject({
  /** Which of the client's numbers to call; its first assigned one when absent. */
  number: e164.optional(),
  /** The caller id; the settings' test caller id when absent. */
  from: e164.optional(),
  /** How a transfer, a wait in the queue or a staff phone's dequeue turn out (see {@link TestCallRouting}). */
  routing: testCallRoutingSchema.optional(),
});

const turnSchema = z
  .strictObject({
    text: z.string().trim().min(1, 'must not be empty (send { "silence": true } to say nothing)').max(1000, 'must be at most 1000 characters').optional(),
    silence: z.literal(true, 'must be true').optional(),
    digits: z.string().regex(/^[0-9*#]{1,32}$/, 'must be 1-32 of 0-9, * and #').optional(),
  })
  .superRefine((turn, ctx) => {
    const given = (['text', 'silence', 'digits'] as const).filter((key) => turn[key] !== undefined);
    if (given.length === 0) ctx.addIssue({ code: 'custom', path: ['text'], message: 'is required (or silence: true, or digits)' });
    for (const extra of given.slice(1)) ctx.addIssue({ code: 'custom', path: [extra], message: `give only one of text, silence and digits (${given[0]} was given)` });
  });

/** 409: the client has no assigned number to call. */
export class TestCallNoNumberError extends TeroError {
  constructor() {
    super('test_call.no_number', 'your agent has no phone number yet', {}, { status: 409 });
  }
}

/** 409: signed hooks are required and no jambonz account of the client or its brand can sign them. */
export class TestCallNoAccountError extends TeroError {
  constructor() {
    super('test_call.no_jambonz_account', 'no jambonz account with a webhook secret is connected for this business', {}, { status: 409 });
  }
}

/** 429: the client already has its share of test calls in progress. */
export class TestCallLimitError extends TeroError {
  constructor(max: number) {
    super('test_call.limit', `at most ${max} test calls at a time; hang one up first`, { max, retryAfterSeconds: 30 }, { status: 429 });
  }
}

/** 503: this process keeps as many test calls as it may. */
export class TestCallCapacityError extends TeroError {
  constructor() {
    super('test_call.capacity', 'too many test calls on this server right now; try again shortly', {}, { status: 503 });
  }
}

/**
 * "Talk to your agent": a client's owner or staff calls their own agent by typing. Each test call is
 * the jambonz simulator placing a real call on our own webhooks — signed with the client's (else the
 * brand's) jambonz account secret, every answer validated as jambonz validates it — to the client's
 * assigned number, marked with a sealed {@link TestCallMarker} so it is recorded but not billed.
 *
 * Calls are kept in this process's memory (the simulator waits, mid-call, for the next typed turn): at
 * most `perClient` per client and `total` in all, hung up after `idleSeconds` untouched. Another
 * client's call id is not found. With several server replicas, the turns of one call must reach the
 * replica that started it (sticky sessions); elsewhere they answer 404.
 */
export class AgentTestCalls {
  private readonly calls = new Map<string, LiveTestCall>();
  private readonly settings: AgentTestCallsSettings;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;
  /** Calls whose failure was logged already. */
  private readonly reported = new WeakSet<LiveTestCall>();

  constructor(private readonly deps: AgentTestCallsDeps) {
    this.settings = { ...DEFAULT_TEST_CALL_SETTINGS, ...deps.settings };
    this.now = deps.now ?? Date.now;
    this.sweeper = setInterval(() => void this.sweep(), Math.min(30_000, this.settings.idleSeconds * 1000));
    this.sweeper.unref();
  }

  /**
   * Calls the client's agent; resolves with its opening once it listens (or with the ended call). `routing`
   * chooses how a transfer, a wait in the queue or a staff phone's dequeue turn out, so that each path of
   * the agent can be tried.
   */
  async start(ctx: TenantContext, input: unknown): Promise<TestCallView> {
    const clientId = clientOf(ctx);
    const data = parseInput(startSchema, input);
    const em = this.deps.db.forTenant(ctx);
    const numbers = await em.find(PhoneNumber, { client: clientId, state: 'assigned' }, { orderBy: { createdAt: 'asc' } });
    const to = data.number ?? numbers[0]?.number;
    if (data.number && !numbers.some((n) => n.number === data.number)) throw new ValidationError([{ field: 'number', reason: 'is not a number assigned to your business' }]);
    if (!to) throw new TestCallNoNumberError();
    const account = this.signingAccount(await this.deps.directory.accountsFor(ctx.brandId, clientId), clientId);
    if (!account && this.deps.signatures === 'on') throw new TestCallNoAccountError();
    this.makeRoom(clientId);

    const call = new LiveTestCall(randomUUID(), ctx.brandId, clientId, this.now());
    this.calls.set(call.id, call);
    const from = data.from ?? this.settings.callerId;
    const simulator = new JambonzSimulator({
      baseUrl: this.deps.hooks.baseUrl,
      fetch: this.deps.hooks.fetch,
      secret: account?.secrets[0] ?? null,
      accountSid: account?.accountSid ?? 'tero-test-call',
      ...simulatorRouting(data.routing ?? {}),
    });
    this.deps.logger.info({ testCallId: call.id, clientId, to, accountSid: account?.accountSid ?? null }, 'test call started');
    const view = await call.start(simulator, { from, to, envVars: { [TEST_CALL_ENV_VAR]: this.deps.marker.seal({ from, to }) } });
    return this.after(call, view);
  }

  /** The call as it stands; 404 for an unknown call or one of another client. */
  get(ctx: TenantContext, id: string): TestCallView {
    const call = this.find(ctx, id);
    call.lastActivityAt = this.now();
    return call.view();
  }

  /** The caller's next move; resolves once the agent answered and listens again, or the call ended. */
  async turn(ctx: TenantContext, id: string, input: unknown): Promise<TestCallView> {
    const call = this.find(ctx, id);
    const data = parseInput(turnSchema, input);
    const turn: TestCallTurn = data.text !== undefined ? { text: data.text } : data.digits !== undefined ? { digits: data.digits } : { silence: true };
    call.lastActivityAt = this.now();
    return this.after(call, await call.turn(turn));
  }

  /** Hangs up (the call is recorded as the caller hanging up) and forgets the call; resolves with how it ended. */
  async hangUp(ctx: TenantContext, id: string): Promise<TestCallView> {
    const call = this.find(ctx, id);
    this.calls.delete(id);
    return this.after(call, await call.hangUp());
  }

  /** Hangs up and forgets the calls idle longer than the limit. */
  async sweep(): Promise<void> {
    const limit = this.now() - this.settings.idleSeconds * 1000;
    const idle = [...this.calls.values()].filter((call) => call.lastActivityAt <= limit);
    for (const call of idle) this.calls.delete(call.id);
    await Promise.all(idle.map((call) => call.hangUp().then((view) => this.after(call, view))));
  }

  /** How many test calls this process keeps (live and recently ended). */
  get size(): number {
    return this.calls.size;
  }

  /** Hangs up every call (the server is stopping) and stops the idle sweep. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const calls = [...this.calls.values()];
    this.calls.clear();
    await Promise.all(calls.map((call) => call.hangUp()));
  }

  private find(ctx: TenantContext, id: string): LiveTestCall {
    const call = this.calls.get(id);
    if (!call || call.clientId !== ctx.clientId || call.brandId !== ctx.brandId) throw new NotFoundError('test call');
    return call;
  }

  /** The client's own account, else its brand's: the one jambonz would sign this client's calls with. */
  private signingAccount(accounts: AccountEntry[], clientId: string): AccountEntry | null {
    const usable = accounts.filter((a) => a.secrets.length > 0);
    return usable.find((a) => a.clientId === clientId) ?? usable.find((a) => a.clientId === null) ?? null;
  }

  /** Frees a place for a new call of the client by forgetting an ended one, or refuses. */
  private makeRoom(clientId: string): void {
    const own = [...this.calls.values()].filter((call) => call.clientId === clientId);
    if (own.length >= this.settings.perClient) {
      const ended = own.filter((call) => call.isEnded).sort((a, b) => a.lastActivityAt - b.lastActivityAt)[0];
      if (!ended) throw new TestCallLimitError(this.settings.perClient);
      this.calls.delete(ended.id);
    }
    if (this.calls.size >= this.settings.total) {
      const ended = [...this.calls.values()].filter((call) => call.isEnded).sort((a, b) => a.lastActivityAt - b.lastActivityAt)[0];
      if (!ended) throw new TestCallCapacityError();
      this.calls.delete(ended.id);
    }
  }

  private after(call: LiveTestCall, view: TestCallView): TestCallView {
    call.lastActivityAt = this.now();
    if (view.error && !this.reported.has(call)) {
      this.reported.add(call);
      const log = { testCallId: call.id, clientId: call.clientId, callSid: view.callSid, error: view.error, err: call.cause ?? undefined };
      if (call.cause) this.deps.logger.error(log, 'test call failed');
      else this.deps.logger.warn(log, 'test call broke the jambonz protocol');
    }
    return view;
  }
}

function clientOf(ctx: TenantContext): string {
  if (!ctx.clientId) throw new TeroError('test_call.client_required', 'test calls are made from a business\'s own account', {}, { status: 403 });
  return ctx.clientId;
}

import type { EntityManager } from '@mikro-orm/core';
import type { EventBus, LoadedPack } from '@tero/core';
import { profileDefaultsFromPack } from '@tero/conversation';
import { AgentProfile, Brand, Call, CallEvent, Client, type Database, OnboardingState, type OnboardingStepMark } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { NumberPool, NumberView } from '@tero/telephony';
import type { Logger } from 'pino';
import { ONBOARDING_EVENTS } from '../onboarding-events';
import { StepAlreadySavedError, StepInvalidError, WizardNotFoundError } from './wizard-errors';
import {
  type AfterHoursInput,
  type BusinessInput,
  type Checked,
  type FaqRowInput,
  type NumberInput,
  type ServiceRowInput,
  type StepProblem,
  type TransferInput,
  WIZARD_STEPS,
  type WizardStep,
  checkAfterHours,
  checkBusiness,
  checkFaq,
  checkNumberChoice,
  checkServices,
  checkTextConfirmations,
  checkTransfer,
} from './wizard-steps';

/** One line of the checklist. */
export interface ChecklistItem {
  step: WizardStep;
  done: boolean;
  /** When it was completed (ISO), and by whom (a user id). */
  at: string | null;
  by: string | null;
}

/** The wizard as pages show it: the checklist, where the owner is, and the version forms carry. */
export interface WizardView {
  items: ChecklistItem[];
  currentStep: WizardStep;
  /** The first step not done, in order; null when all are. */
  nextOpen: WizardStep | null;
  doneCount: number;
  total: number;
  percent: number;
  completedAt: Date | null;
  version: number;
}

/** What each step's input is. */
export interface StepInputs {
  business: BusinessInput;
  /** `textConfirmations`: the "Text callers a booking confirmation" switch (see `checkTextConfirmations`); absent keeps it. */
  services: { rows: ServiceRowInput[]; textConfirmations?: unknown };
  faq: { rows: FaqRowInput[] };
  transfer: TransferInput;
  afterHours: AfterHoursInput;
  voice: Record<string, never>;
  /** `keep`: the owner keeps the pack's prompt; `check`: a version of their own was published. */
  prompt: { action?: unknown };
  number: NumberInput;
  testCall: { ended: boolean; error: { code: string } | null; callSid: string | null };
}

/** Who saved a step. */
export interface WizardActor {
  userId: string;
}

/** What the step pages edit: the client's own fields and its agent profile, with the brand's currency. */
export interface WizardValues {
  client: Client;
  profile: AgentProfile;
  currency: string;
}

/** The client's line for the number step and the finish page. */
export interface WizardNumber {
  id: string;
  number: string;
  /** jambonz provisioning: `pending`, `synced`, `error`, or null when the brand has no jambonz connection. */
  syncState: string | null;
  syncError: string | null;
}

export interface WizardDeps {
  db: Database;
  events: EventBus;
  packs: { get(packId: string): Promise<Pick<LoadedPack, 'manifest'>> };
  numbers: Pick<NumberPool, 'assign' | 'ofClient' | 'search'>;
  /** Where the client's own voice stands (the voice page's state). */
  voiceState(ctx: TenantContext): Promise<{ status: string }>;
  /** Whether the client published a prompt of its own. */
  promptState(ctx: TenantContext): Promise<{ customized: boolean; publishedVersion: number | null }>;
  /** Whether the client's subscription lets it go live (billing decides; the wizard never overrides it). */
  billingAllowsActive(ctx: TenantContext): Promise<boolean>;
  /** A client's own fields changed (name, time zone, status): caches that hold them forget them. */
  onClientChanged(ctx: TenantContext): void;
  logger: Logger;
  clock?: () => Date;
}

/**
 * The setup wizard: a client created by the public sign-up gets an agent profile from its profession
 * pack and a stored wizard state; each step validates its input, writes the fields it owns and marks
 * itself done; the last one done completes the onboarding. Every save is a compare-and-set on the
 * state's version, so a double submit or a second tab is refused as "already saved" and writes nothing.
 */
export interface Wizard {
  /** Sign-up: the agent profile from the pack, the wizard state, and `onboarding.started` with the owner. */
  begin(ctx: TenantContext, input: { userId: string }): Promise<void>;
  /**
   * The agent profile from the pack and the wizard state, added to `em`'s unit of work and flushed by its
   * transaction (the sign-up's, beside the client and owner): an unknown pack fails it and nothing is kept.
   */
  prepare(em: EntityManager, ctx: TenantContext, client: Client): Promise<void>;
  /** After the sign-up committed: caches forget the client and `onboarding.started` names the owner. */
  announce(ctx: TenantContext, input: { userId: string }): Promise<void>;
  /** The checklist; null for a client that has no wizard (created another way). */
  state(ctx: TenantContext): Promise<WizardView | null>;
  /** The values the step pages show. */
  values(ctx: TenantContext): Promise<WizardValues>;
  /** Validates and saves a step rendered at `version`; resolves with the new state. */
  save<S extends WizardStep>(ctx: TenantContext, actor: WizardActor, step: S, version: number, input: StepInputs[S]): Promise<WizardView>;
  /** The numbers the client holds (normally one), with their provisioning state. */
  numbers(ctx: TenantContext): Promise<WizardNumber[]>;
  /** Available numbers of the brand for the number step (at most `limit`). */
  available(ctx: TenantContext, search: { areaCode?: string | null; pattern?: string | null }, limit?: number): Promise<WizardNumber[]>;
  /** When the first real (not test) call of the client ended, or null. */
  firstRealCall(ctx: TenantContext): Promise<Date | null>;
}

const VOICE_DONE = new Set(['ready', 'standard']);

export function createWizard(deps: WizardDeps): Wizard {
  const now = deps.clock ?? (() => new Date());

  const clientOf = (ctx: TenantContext): string => {
    if (!ctx.clientId) throw new WizardNotFoundError();
    return ctx.clientId;
  };

  const view = (row: OnboardingState): WizardView => {
    const items = WIZARD_STEPS.map((step) => {
      const mark = row.steps[step];
      return { step, done: Boolean(mark), at: mark?.at ?? null, by: mark?.by ?? null };
    });
    const doneCount = items.filter((item) => item.done).length;
    return {
      items,
      currentStep: (WIZARD_STEPS as readonly string[]).includes(row.currentStep) ? (row.currentStep as WizardStep) : 'business',
      nextOpen: items.find((item) => !item.done)?.step ?? null,
      doneCount,
      total: items.length,
      percent: Math.round((doneCount / items.length) * 100),
      completedAt: row.completedAt ?? null,
      version: row.version,
    };
  };

  const load = async (em: EntityManager, clientId: string): Promise<OnboardingState> => {
    const row = await em.findOne(OnboardingState, { client: clientId }, { refresh: true });
    if (!row) throw new WizardNotFoundError();
    return row;
  };

  const must = <T>(step: WizardStep, checked: Checked<T>): T => {
    if (!checked.ok) throw new StepInvalidError(step, checked.problems);
    return checked.value;
  };
  const refuse = (step: WizardStep, problems: StepProblem[]): never => {
    throw new StepInvalidError(step, problems);
  };

  /** The step after `step` that is still open, else the first open one, else the last step. */
  const followingOpen = (steps: Record<string, OnboardingStepMark>, step: WizardStep): WizardStep => {
    const from = WIZARD_STEPS.indexOf(step);
    const order = [...WIZARD_STEPS.slice(from + 1), ...WIZARD_STEPS.slice(0, from + 1)];
    return order.find((candidate) => !steps[candidate]) ?? 'testCall';
  };

  /**
   * The compare-and-set: moves the state from `version` to the next one with `step` marked, in `em`'s
   * transaction. Zero rows moved means someone saved since the form was rendered.
   */
  const claim = async (em: EntityManager, row: OnboardingState, step: WizardStep, version: number, actor: WizardActor, mark: boolean) => {
    const steps = mark ? { ...row.steps, [step]: { at: now().toISOString(), by: actor.userId } } : row.steps;
    const complete = WIZARD_STEPS.every((s) => steps[s]);
    const completedAt = row.completedAt ?? (complete ? now() : null);
    const moved = await em.nativeUpdate(
      OnboardingState,
      { id: row.id, version },
      { steps, currentStep: mark ? followingOpen(steps, step) : step, completedAt, version: version + 1, updatedAt: now() },
    );
    if (moved !== 1) throw new StepAlreadySavedError(step);
    return { newlyMarked: mark && !row.steps[step], newlyCompleted: !row.completedAt && complete };
  };

  const publish = (ctx: TenantContext, type: string, payload: Record<string, unknown>) =>
    deps.events.publish({ type, brandId: ctx.brandId, clientId: ctx.clientId, payload }).catch((err: unknown) => deps.logger.warn({ err, type }, 'publishing an onboarding event failed'));

  /** Once every step is done: the client goes live if billing lets it (a paid or trialing subscription). */
  const finish = async (ctx: TenantContext, clientId: string) => {
    await publish(ctx, ONBOARDING_EVENTS.completed, {});
    if (!(await deps.billingAllowsActive(ctx))) return;
    const moved = await deps.db.forTenant(ctx).nativeUpdate(Client, { id: clientId, status: 'onboarding' }, { status: 'active', updatedAt: now() });
    if (moved) deps.onClientChanged(ctx);
  };

  const numberView = (n: NumberView): WizardNumber => ({ id: n.id, number: n.number, syncState: n.syncState, syncError: n.syncError });

  /** Writes the step's fields and marks it, in one transaction with the compare-and-set. */
  const saveFields = async (ctx: TenantContext, clientId: string, step: WizardStep, version: number, actor: WizardActor, write: (em: EntityManager, values: { client: Client; profile: AgentProfile }) => void) => {
    return deps.db.forTenant(ctx).transactional(async (em) => {
      const row = await load(em, clientId);
      const client = await em.findOneOrFail(Client, { id: clientId });
      const profile = await em.findOneOrFail(AgentProfile, { client: clientId });
      const outcome = await claim(em, row, step, version, actor, true);
      write(em, { client, profile });
      return outcome;
    });
  };

  const wizard: Wizard = {
    async begin(ctx, input) {
      const clientId = clientOf(ctx);
      await deps.db.forTenant(ctx).transactional(async (em) => wizard.prepare(em, ctx, await em.findOneOrFail(Client, { id: clientId })));
      await wizard.announce(ctx, input);
    },

    async prepare(em, ctx, client) {
      if (!(await em.count(AgentProfile, { client: client.id }))) {
        const defaults = profileDefaultsFromPack(await deps.packs.get(client.professionPack));
        em.create(AgentProfile, { ...defaults, brand: em.getReference(Brand, ctx.brandId), client: em.getReference(Client, client.id) });
      }
      if (!(await em.count(OnboardingState, { client: client.id }))) {
        em.create(OnboardingState, { brand: em.getReference(Brand, ctx.brandId), client: em.getReference(Client, client.id) });
      }
    },

    async announce(ctx, input) {
      deps.onClientChanged(ctx);
      await publish(ctx, ONBOARDING_EVENTS.started, { userId: input.userId });
    },

    async state(ctx) {
      const clientId = clientOf(ctx);
      const row = await deps.db.forTenant(ctx).findOne(OnboardingState, { client: clientId });
      return row ? view(row) : null;
    },

    async values(ctx) {
      const clientId = clientOf(ctx);
      const em = deps.db.forTenant(ctx);
      const [client, profile, brand] = await Promise.all([
        em.findOneOrFail(Client, { id: clientId }),
        em.findOneOrFail(AgentProfile, { client: clientId }),
        em.findOneOrFail(Brand, { id: ctx.brandId }),
      ]);
      return { client, profile, currency: brand.currency };
    },

    async save(ctx, actor, step, version, input) {
      const clientId = clientOf(ctx);
      if (!Number.isInteger(version) || version < 1) throw new StepAlreadySavedError(step);
      const state = await load(deps.db.forTenant(ctx), clientId);
      if (state.version !== version) throw new StepAlreadySavedError(step);
      const current = await wizard.values(ctx);
      let outcome: { newlyMarked: boolean; newlyCompleted: boolean };
      let clientChanged = false;
      const locale = current.client.locale;
      switch (step) {
        case 'business': {
          const values = must(step, checkBusiness(input as BusinessInput));
          clientChanged = true;
          outcome = await saveFields(ctx, clientId, step, version, actor, (_em, { client, profile }) => {
            client.name = values.name;
            client.timezone = values.timezone;
            profile.address = values.address;
            profile.hours = values.hours;
            profile.exceptions = values.exceptions;
          });
          break;
        }
        case 'services': {
          const form = input as StepInputs['services'];
          const services = checkServices(form.rows ?? [], current.profile.services, locale, current.currency);
          const texts = checkTextConfirmations(form.textConfirmations, current.profile.textConfirmations);
          if (!services.ok || !texts.ok) refuse(step, [...(services.ok ? [] : services.problems), ...(texts.ok ? [] : texts.problems)]);
          const textConfirmations = must(step, texts);
          // The call path keeps the profile cached: it must forget it for the switch to reach the next call.
          clientChanged = textConfirmations !== current.profile.textConfirmations;
          outcome = await saveFields(ctx, clientId, step, version, actor, (_em, { profile }) => {
            profile.services = must(step, services);
            profile.textConfirmations = textConfirmations;
          });
          break;
        }
        case 'faq': {
          const faq = must(step, checkFaq((input as StepInputs['faq']).rows ?? [], current.profile.faq, locale));
          outcome = await saveFields(ctx, clientId, step, version, actor, (_em, { profile }) => {
            profile.faq = faq;
          });
          break;
        }
        case 'transfer': {
          const numbers = must(step, checkTransfer(input as TransferInput));
          outcome = await saveFields(ctx, clientId, step, version, actor, (_em, { profile }) => {
            profile.transferNumber = numbers.transferNumber;
            profile.onCallNumber = numbers.onCallNumber;
          });
          break;
        }
        case 'afterHours': {
          const policies = must(step, checkAfterHours(input as AfterHoursInput, { transferNumber: current.profile.transferNumber ?? null, onCallNumber: current.profile.onCallNumber ?? null }));
          outcome = await saveFields(ctx, clientId, step, version, actor, (_em, { profile }) => {
            profile.policies = { ...profile.policies, ...policies };
          });
          break;
        }
        case 'voice': {
          const voice = await deps.voiceState(ctx);
          if (!VOICE_DONE.has(voice.status)) refuse(step, [{ field: 'voice', code: 'voice_not_ready', params: { status: voice.status } }]);
          outcome = await saveFields(ctx, clientId, step, version, actor, () => undefined);
          break;
        }
        case 'prompt': {
          const action = (input as StepInputs['prompt']).action;
          if (action !== 'keep' && action !== 'check') refuse(step, [{ field: 'action', code: 'choice', params: { allowed: 'keep, check' } }]);
          if (action === 'check') {
            const prompt = await deps.promptState(ctx);
            if (!prompt.customized && prompt.publishedVersion === null) refuse(step, [{ field: 'prompt', code: 'prompt_not_published' }]);
          }
          outcome = await saveFields(ctx, clientId, step, version, actor, () => undefined);
          break;
        }
        case 'number': {
          const choice = must(step, checkNumberChoice(input as NumberInput));
          outcome = await takeNumber(ctx, clientId, version, actor, choice);
          break;
        }
        case 'testCall': {
          const call = input as StepInputs['testCall'];
          if (!call.ended) refuse(step, [{ field: 'testCall', code: 'test_call_not_ended' }]);
          if (call.error) refuse(step, [{ field: 'testCall', code: 'test_call_failed', params: { code: call.error!.code } }]);
          outcome = await saveFields(ctx, clientId, step, version, actor, () => undefined);
          break;
        }
        default:
          throw new WizardNotFoundError();
      }
      if (clientChanged) deps.onClientChanged(ctx);
      if (outcome.newlyMarked) await publish(ctx, ONBOARDING_EVENTS.stepCompleted, { step });
      if (outcome.newlyCompleted) await finish(ctx, clientId);
      return view(await load(deps.db.forTenant(ctx), clientId));
    },

    async numbers(ctx) {
      const clientId = clientOf(ctx);
      return (await deps.numbers.ofClient(ctx, clientId)).filter((n) => n.state === 'assigned').map(numberView);
    },

    async available(ctx, search, limit = 20) {
      const page = await deps.numbers.search(ctx, { areaCode: search.areaCode ?? null, pattern: search.pattern ?? null, pageSize: limit });
      return page.items.map(numberView);
    },

    async firstRealCall(ctx) {
      const clientId = clientOf(ctx);
      const em = deps.db.forTenant(ctx);
      const ended = await em.find(Call, { client: clientId, endedAt: { $ne: null } }, { orderBy: { endedAt: 'asc' }, limit: 50, fields: ['id', 'endedAt'] });
      if (!ended.length) return null;
      const tests = new Set((await em.find(CallEvent, { call: { $in: ended.map((c) => c.id) }, key: 'test_call' }, { fields: ['call'] })).map((e) => e.call.id));
      return ended.find((c) => !tests.has(c.id))?.endedAt ?? null;
    },
  };

  /**
   * The number step: the state's version is claimed first, so of two submits of one form only one goes
   * on; a client that already holds a number keeps it (never a second one); then the step is marked.
   */
  async function takeNumber(ctx: TenantContext, clientId: string, version: number, actor: WizardActor, choice: { numberId: string } | { search: { areaCode: string | null; pattern: string | null } }) {
    const em = deps.db.forTenant(ctx);
    const row = await load(em, clientId);
    await claim(em, row, 'number', version, actor, false);
    const held = (await deps.numbers.ofClient(ctx, clientId)).filter((n) => n.state === 'assigned');
    if (!held.length) {
      const target = 'numberId' in choice ? { numberId: choice.numberId } : { search: choice.search };
      await deps.numbers.assign(ctx, clientId, target);
    }
    for (;;) {
      const fresh = await load(em, clientId);
      try {
        return await claim(em, fresh, 'number', fresh.version, actor, true);
      } catch (error) {
        if (!(error instanceof StepAlreadySavedError)) throw error;
      }
    }
  }

  return wizard;
}

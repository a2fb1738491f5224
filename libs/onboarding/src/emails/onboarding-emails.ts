import type { EventBus } from '@tero/core';
import { type Database, OnboardingState, User } from '@tero/db';
import type { EmailSequence, SequenceEngine, StepContext } from '@tero/notifications';
import type { TenantContext } from '@tero/sdk';
import { CALL_EVENTS } from '@tero/telephony';
import type { Logger } from 'pino';
import { ONBOARDING_EVENTS } from '../onboarding-events';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Where the setup wizard lives on the client's dashboard. */
export const SETUP_PATH = '/setup';

/** Ids of the onboarding sequences (stored with every enrollment: never rename one). */
export const ONBOARDING_SEQUENCE_IDS = {
  welcome: 'onboarding.welcome',
  reminders: 'onboarding.reminders',
  firstCall: 'onboarding.first_call',
  followUps: 'onboarding.follow_ups',
} as const;

/**
 * The onboarding e-mails:
 * - welcome and the setup guide an hour later, on sign-up (account mail: transactional);
 * - checklist reminders on days 1, 3 and 7 while the wizard is incomplete: `onboarding.completed` is their
 *   goal, so they stop the moment it is heard (unsubscribable);
 * - "first call received", once per client, to its first owner, on the first ended call (transactional);
 * - follow-ups after completion: tips on day 7, the first month's summary on day 30 (unsubscribable).
 */
export const ONBOARDING_SEQUENCES: readonly EmailSequence[] = Object.freeze([
  {
    id: ONBOARDING_SEQUENCE_IDS.welcome,
    category: 'transactional',
    steps: [
      { templateId: 'onboarding.welcome', delayMs: 0, ctaPath: SETUP_PATH },
      { templateId: 'onboarding.setupGuide', delayMs: HOUR, ctaPath: SETUP_PATH },
    ],
  },
  {
    id: ONBOARDING_SEQUENCE_IDS.reminders,
    category: 'onboarding',
    goalEvent: ONBOARDING_EVENTS.completed,
    steps: [
      { templateId: 'onboarding.reminderDay1', delayMs: DAY, ctaPath: SETUP_PATH },
      { templateId: 'onboarding.reminderDay3', delayMs: 3 * DAY, ctaPath: SETUP_PATH },
      { templateId: 'onboarding.reminderDay7', delayMs: 7 * DAY, ctaPath: SETUP_PATH },
    ],
  },
  {
    id: ONBOARDING_SEQUENCE_IDS.firstCall,
    category: 'transactional',
    steps: [{ templateId: 'onboarding.firstCall', delayMs: 0, ctaPath: '/dashboard' }],
  },
  {
    id: ONBOARDING_SEQUENCE_IDS.followUps,
    category: 'onboarding',
    steps: [
      { templateId: 'onboarding.tipsDay7', delayMs: 7 * DAY, ctaPath: '/dashboard' },
      { templateId: 'onboarding.firstMonth', delayMs: 30 * DAY, ctaPath: '/dashboard' },
    ],
  },
]);

export interface OnboardingEmailsDeps {
  db: Database;
  engine: SequenceEngine;
  logger: Logger;
}

/**
 * Defines the onboarding sequences on the engine and enrolls people on the onboarding and call events.
 * Every replica hears the events; an enrollment is unique per (client, person, sequence), so each one
 * enrolls once however many replicas or deliveries there are.
 */
/** Whether the client's setup wizard is complete, from its stored state (the reminders' goal, read before each). */
export async function wizardComplete(db: Database, context: StepContext): Promise<boolean> {
  const state = await db.forTenant(context.ctx).findOne(OnboardingState, { client: context.client.id }, { fields: ['completedAt'] });
  return Boolean(state?.completedAt);
}

export class OnboardingEmails {
  /** Clients whose first call was handled (or is being handled) in this process: later calls cost no query. */
  private readonly firstCallDone = new Map<string, Promise<void>>();

  constructor(private readonly deps: OnboardingEmailsDeps) {
    // The reminders also read the wizard's state before each step, in case the completion event was missed.
    for (const sequence of ONBOARDING_SEQUENCES) {
      deps.engine.define(sequence.goalEvent === ONBOARDING_EVENTS.completed ? { ...sequence, goalReached: (context) => wizardComplete(deps.db, context) } : sequence);
    }
  }

  /** Subscribes to sign-ups, completions and ended calls; returns the function that unsubscribes. */
  listen(events: EventBus): () => void {
    const guard = (what: string, work: () => Promise<unknown>) =>
      work().catch((err: unknown) => this.deps.logger.warn({ err, what }, 'could not enroll in an onboarding e-mail sequence'));
    const offs = [
      events.subscribe(ONBOARDING_EVENTS.started, async (event) => {
        const userId = (event.payload as { userId?: unknown } | null)?.userId;
        if (!event.clientId || typeof userId !== 'string') return;
        await guard('started', () => this.started(ctxOf(event.brandId, event.clientId!), userId));
      }),
      events.subscribe(ONBOARDING_EVENTS.completed, async (event) => {
        if (event.clientId) await guard('completed', () => this.completed(ctxOf(event.brandId, event.clientId!)));
      }),
      events.subscribe(CALL_EVENTS.ended, async (event) => {
        if (event.clientId) await guard('first call', () => this.callEnded(ctxOf(event.brandId, event.clientId!)));
      }),
    ];
    return () => offs.forEach((off) => off());
  }

  /** Sign-up: the owner gets the welcome, the guide and (until the wizard completes) the reminders. */
  async started(ctx: TenantContext, userId: string): Promise<void> {
    await this.deps.engine.enroll(ctx, userId, ONBOARDING_SEQUENCE_IDS.welcome);
    await this.deps.engine.enroll(ctx, userId, ONBOARDING_SEQUENCE_IDS.reminders);
  }

  /** Wizard complete: the reminders end (their goal, in the engine), the owners get the follow-ups. */
  async completed(ctx: TenantContext): Promise<void> {
    for (const owner of await this.owners(ctx)) await this.deps.engine.enroll(ctx, owner.id, ONBOARDING_SEQUENCE_IDS.followUps);
  }

  /** A call ended: the client's first owner is told about the first one (enrolled once, so never again). */
  async callEnded(ctx: TenantContext): Promise<void> {
    const clientId = ctx.clientId;
    if (!clientId) return;
    const known = this.firstCallDone.get(clientId);
    if (known) return known;
    // Taken at once, so that the calls ending while the owner is enrolled wait for it instead of each enrolling again.
    const enrolled = (async () => {
      const [first] = await this.owners(ctx);
      if (first) await this.deps.engine.enroll(ctx, first.id, ONBOARDING_SEQUENCE_IDS.firstCall);
    })();
    if (this.firstCallDone.size > 100_000) this.firstCallDone.clear();
    this.firstCallDone.set(clientId, enrolled);
    // A failure is forgotten: the next ended call tries again.
    enrolled.catch(() => this.firstCallDone.get(clientId) === enrolled && this.firstCallDone.delete(clientId));
    return enrolled;
  }

  private owners(ctx: TenantContext): Promise<User[]> {
    return this.deps.db.forTenant(ctx).find(User, { client: ctx.clientId, role: 'client_owner' }, { orderBy: { createdAt: 'asc' } });
  }
}

function ctxOf(brandId: string, clientId: string): TenantContext {
  return { brandId, clientId, locale: 'en' };
}

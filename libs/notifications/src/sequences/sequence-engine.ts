import { randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { type EventBus, type JobQueue, PeriodicSweep, isSupportedLocale } from '@tero/core';
import { Brand, Client, type Database, EmailEnrollment, EmailSentStep, User } from '@tero/db';
import type { EmailMessage, TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import { EmailTracking, ALL_CATEGORIES } from '../tracking/email-tracking.service';
import { rewriteLinks } from '../tracking/link-rewriter';
import type { TrackingTokens } from '../tracking/tracking-tokens';
import type { EmailTemplates } from './email-templates';
import type { EmailSequence, SequenceStep, StepContext } from './sequence';

/** The job that sends what is due of one enrollment (queued at enrollment when its first step is due at once). */
export const SEQUENCE_ADVANCE_JOB = 'email.sequences.advance';
/** The periodic sweep over every enrollment with a step due. */
export const SEQUENCE_SWEEP_JOB = 'email.sequences.sweep';

/** Enrollments looked at per sweep; the rest wait for the next one. */
const SWEEP_BATCH = 500;

/** Sends an e-mail later (through a job): `MailService` is one. */
export interface SequenceMailer {
  send(ctx: TenantContext, message: EmailMessage): Promise<string>;
}

export interface SequenceEngineDeps {
  db: Database;
  jobs: JobQueue;
  mail: SequenceMailer;
  templates: EmailTemplates;
  tokens: TrackingTokens;
  tracking: EmailTracking;
  /** A theme's tokens (the brand's overrides are laid over them here). */
  themeTokens: (themeId: string) => Record<string, string> | undefined;
  /** The client's dashboard, `https://bright-smile.example.com`: where buttons and tracking links point. */
  clientUrl: (brand: Brand, client: Client) => string;
  logger: Logger;
  clock?: () => Date;
  /** How often the sweep runs. Default: five minutes. */
  sweepIntervalMs?: number;
}

/** What a sweep did. */
export interface SequenceSweepResult {
  enrollments: number;
  sent: number;
  skipped: number;
  failed: number;
}

interface AdvanceJob {
  ctx: TenantContext;
  enrollmentId: string;
}

const contextOf = (brandId: string, clientId: string): TenantContext => ({ brandId, clientId, locale: 'en' });

/**
 * Runs e-mail sequences. An enrollment is a row; each step is sent by whoever first inserts its
 * `email_sent_steps` row (unique per enrollment and step), so a sweep run twice, or on two replicas,
 * or racing the enrollment's own job, sends it once. The goal event (heard on every replica) and an
 * unsubscribe end enrollments with a conditional update; a step already queued is the only mail that
 * may still leave after that. Steps overtaken by a later due step (the server was down for days) are
 * skipped rather than sent together.
 */
export class SequenceEngine {
  private readonly sequences = new Map<string, EmailSequence>();
  private readonly clock: () => Date;
  private readonly sweeper: PeriodicSweep;

  constructor(private readonly deps: SequenceEngineDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.sweeper = new PeriodicSweep(deps.jobs, {
      name: SEQUENCE_SWEEP_JOB,
      run: () => this.sweep(),
      logger: deps.logger,
      intervalMs: deps.sweepIntervalMs ?? 300_000,
      now: () => this.clock().getTime(),
    });
  }

  /** Adds a sequence; its id must be new and its templates must have words. */
  define(sequence: EmailSequence): void {
    if (this.sequences.has(sequence.id)) throw new Error(`e-mail sequence "${sequence.id}" is defined twice`);
    if (sequence.steps.length === 0) throw new Error(`e-mail sequence "${sequence.id}" has no step`);
    for (const [i, step] of sequence.steps.entries()) {
      if (!this.deps.templates.has(step.templateId)) throw new Error(`e-mail sequence "${sequence.id}" step ${i}: no words for template "${step.templateId}"`);
      if (i > 0 && step.delayMs < sequence.steps[i - 1].delayMs) throw new Error(`e-mail sequence "${sequence.id}": steps must be in order of their delays`);
    }
    this.sequences.set(sequence.id, sequence);
  }

  get(sequenceId: string): EmailSequence | undefined {
    return this.sequences.get(sequenceId);
  }

  /** Registers the job processors; call in every process before the queue starts. */
  register(): void {
    this.deps.jobs.register<AdvanceJob>(SEQUENCE_ADVANCE_JOB, async (job) => this.advance(job.data.ctx, job.data.enrollmentId), {
      attempts: 5,
      backoff: { type: 'exponential', delayMs: 2000 },
    });
    this.sweeper.register();
  }

  /** Starts the periodic sweep where jobs are processed. */
  async start(options: { processJobs: boolean }): Promise<void> {
    if (options.processJobs) await this.sweeper.start();
  }

  stop(): void {
    this.sweeper.stop();
  }

  /** Ends the client's enrollments in every sequence whose goal is the event heard; returns the unsubscriber. */
  listen(events: EventBus): () => void {
    const goals = new Set([...this.sequences.values()].map((s) => s.goalEvent).filter((g): g is string => Boolean(g)));
    const offs = [...goals].map((type) =>
      events.subscribe(type, async (event) => {
        if (!event.clientId) return;
        await this.reachGoal(contextOf(event.brandId, event.clientId), type);
      }),
    );
    return () => offs.forEach((off) => off());
  }

  /**
   * Enrolls a person of the client in a sequence (once: a second call changes nothing). Returns the
   * enrollment's id, or null when they were enrolled before or the sequence is unknown.
   */
  async enroll(ctx: TenantContext, userId: string, sequenceId: string): Promise<string | null> {
    const sequence = this.sequences.get(sequenceId);
    if (!sequence || !ctx.clientId) return null;
    const now = this.clock();
    const id = randomUUID();
    const em = this.deps.db.forTenant(ctx) as unknown as SqlEntityManager;
    const user = await em.findOne(User, { id: userId, client: ctx.clientId });
    if (!user) return null;
    const inserted = await em
      .createQueryBuilder(EmailEnrollment)
      .insert({
        id,
        createdAt: now,
        updatedAt: now,
        brand: ctx.brandId,
        client: ctx.clientId,
        user: userId,
        sequenceId,
        status: 'active',
        nextStep: 0,
        nextDueAt: new Date(now.getTime() + sequence.steps[0].delayMs),
        startedAt: now,
      } as never)
      .onConflict(['client', 'user', 'sequenceId'] as never)
      .ignore()
      .execute('run');
    if (Number((inserted as { affectedRows?: number }).affectedRows ?? 0) !== 1) return null;
    if (sequence.steps[0].delayMs === 0) {
      await this.deps.jobs.enqueue<AdvanceJob>(SEQUENCE_ADVANCE_JOB, { ctx: contextOf(ctx.brandId, ctx.clientId), enrollmentId: id }, { jobId: `email-seq-${id}` });
    }
    return id;
  }

  /** Marks the client's active enrollments in the sequences ending on `goalEvent` as completed; returns how many. */
  async reachGoal(ctx: TenantContext, goalEvent: string): Promise<number> {
    const ids = [...this.sequences.values()].filter((s) => s.goalEvent === goalEvent).map((s) => s.id);
    if (!ids.length || !ctx.clientId) return 0;
    const now = this.clock();
    return this.deps.db
      .forTenant(ctx)
      .nativeUpdate(EmailEnrollment, { client: ctx.clientId, sequenceId: { $in: ids }, status: 'active' }, { status: 'completed', stoppedAt: now, nextDueAt: null, updatedAt: now });
  }

  /**
   * Stops a category of the brand's mail to an address (`all` for every non-transactional one): recorded,
   * and the address's active enrollments in such sequences end now. Returns whether it was new.
   */
  async unsubscribe(brandId: string, email: string, category: string, source: string): Promise<boolean> {
    const now = this.clock();
    const added = await this.deps.tracking.unsubscribe(brandId, email, category, source, now);
    const ids = [...this.sequences.values()]
      .filter((s) => s.category !== 'transactional' && (category === ALL_CATEGORIES || s.category === category))
      .map((s) => s.id);
    if (ids.length) {
      const em = this.deps.db.forTenant({ brandId, clientId: null, locale: 'en' });
      const users = await em.find(User, { email: email.trim().toLowerCase() }, { fields: ['id'] });
      if (users.length) {
        await em.nativeUpdate(EmailEnrollment, { user: { $in: users.map((u) => u.id) }, sequenceId: { $in: ids }, status: 'active' }, { status: 'unsubscribed', stoppedAt: now, nextDueAt: null, updatedAt: now });
      }
    }
    return added;
  }

  /** Sends what is due of every active enrollment (the periodic job runs it; tests call it). */
  async sweep(): Promise<SequenceSweepResult> {
    const now = this.clock();
    const due = await this.deps.db
      .forInstance('e-mail sequences sweep every tenant\'s due enrollments')
      .find(EmailEnrollment, { status: 'active', nextDueAt: { $lte: now } }, { fields: ['id', 'brand', 'client'], orderBy: { nextDueAt: 'asc' }, limit: SWEEP_BATCH });
    const result: SequenceSweepResult = { enrollments: due.length, sent: 0, skipped: 0, failed: 0 };
    for (const enrollment of due) {
      try {
        const done = await this.advance(contextOf(enrollment.brand.id, enrollment.client.id), enrollment.id);
        result.sent += done.sent;
        result.skipped += done.skipped;
      } catch (err) {
        result.failed++;
        this.deps.logger.warn({ err, enrollmentId: enrollment.id }, 'an e-mail sequence step failed; the next sweep tries again');
      }
    }
    return result;
  }

  /** Sends (or skips) every step of one enrollment that is due now, then schedules the next. */
  async advance(ctx: TenantContext, enrollmentId: string): Promise<{ sent: number; skipped: number }> {
    const done = { sent: 0, skipped: 0 };
    const em = this.deps.db.forTenant(ctx);
    const enrollment = await em.findOne(EmailEnrollment, { id: enrollmentId });
    if (!enrollment) return done;
    const sequence = this.sequences.get(enrollment.sequenceId);
    if (!sequence) {
      await this.finish(ctx, enrollment, 'stopped');
      return done;
    }
    const [brand, client, user] = await Promise.all([
      em.findOneOrFail(Brand, { id: ctx.brandId }),
      em.findOneOrFail(Client, { id: enrollment.client.id }),
      em.findOneOrFail(User, { id: enrollment.user.id }),
    ]);
    for (;;) {
      const now = this.clock();
      if (enrollment.status !== 'active') return done;
      const index = enrollment.nextStep;
      const step = sequence.steps[index];
      if (!step) {
        await this.finish(ctx, enrollment, sequence.goalEvent ? 'stopped' : 'completed');
        return done;
      }
      const dueAt = this.dueAt(enrollment, step);
      if (dueAt > now) {
        if (enrollment.nextDueAt?.getTime() !== dueAt.getTime()) {
          await em.nativeUpdate(EmailEnrollment, { id: enrollment.id, nextStep: index }, { nextDueAt: dueAt, updatedAt: now });
        }
        return done;
      }
      if (sequence.category !== 'transactional' && (await this.deps.tracking.isUnsubscribed(ctx.brandId, user.email, sequence.category))) {
        await this.finish(ctx, enrollment, 'unsubscribed');
        return done;
      }
      const context: StepContext = { ctx, brand, client, user, enrollment, now };
      if (sequence.goalReached && (await sequence.goalReached(context))) {
        await this.finish(ctx, enrollment, 'completed');
        return done;
      }
      const following = sequence.steps[index + 1];
      const overtaken = following !== undefined && this.dueAt(enrollment, following) <= now;
      const send = !overtaken && (step.condition ? await step.condition(context) : true);
      const messageId = randomUUID();
      if (await this.claim(ctx, enrollment, index, step, messageId, send ? 'sent' : 'skipped', now)) {
        if (send) {
          try {
            await this.deps.mail.send({ ...ctx, locale: this.localeOf(brand, client, user) }, this.message(sequence, step, context, messageId));
          } catch (error) {
            await em.nativeDelete(EmailSentStep, { enrollment: enrollment.id, step: index });
            throw error;
          }
          done.sent++;
        } else done.skipped++;
      }
      // Whoever claimed the step moves the enrollment on; the compare on `nextStep` makes a second move a no-op.
      const next = sequence.steps[index + 1];
      await em.nativeUpdate(
        EmailEnrollment,
        { id: enrollment.id, nextStep: index, status: 'active' },
        { nextStep: index + 1, nextDueAt: next ? this.dueAt(enrollment, next) : null, updatedAt: now },
      );
      await em.refresh(enrollment);
    }
  }

  /** The e-mail of one step to one person, in their language, from the brand's sender, with tracking. */
  message(sequence: EmailSequence, step: SequenceStep, context: StepContext, messageId: string): EmailMessage {
    const { brand, client, user, ctx } = context;
    const base = this.deps.clientUrl(brand, client).replace(/\/+$/, '');
    const sign = this.deps.tokens;
    const scope = { messageId, brandId: ctx.brandId, clientId: client.id };
    const unsubscribeUrl =
      sequence.category === 'transactional' ? undefined : `${base}/e/u/${sign.sign({ kind: 'unsubscribe', ...scope, email: user.email, category: sequence.category })}`;
    const tokens = { ...(this.deps.themeTokens(brand.themeId) ?? this.deps.themeTokens('default') ?? {}), ...(brand.themeTokens ?? {}) };
    const rendered = this.deps.templates.render({
      themeId: brand.themeId,
      tokens,
      brand: { name: brand.name, logoUrl: brand.logoUrl },
      locale: this.localeOf(brand, client, user),
      templateId: step.templateId,
      vars: { name: user.name, business: client.name },
      ctaUrl: step.ctaPath ? `${base}${step.ctaPath}` : undefined,
      unsubscribeUrl,
    });
    const html = rewriteLinks(rendered.html, {
      track: (url) => `${base}/e/c/${sign.sign({ kind: 'click', ...scope, url })}`,
      keep: new Set(unsubscribeUrl ? [unsubscribeUrl] : []),
      pixelUrl: `${base}/e/o/${sign.sign({ kind: 'open', ...scope })}`,
    });
    const headers: Record<string, string> = { 'X-Tero-Message-Id': messageId, 'X-Tero-Sequence': sequence.id };
    if (unsubscribeUrl) {
      headers['List-Unsubscribe'] = `<${unsubscribeUrl}>`;
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    }
    return {
      from: `${brand.name} <${brand.senderEmail}>`,
      replyTo: brand.supportEmail,
      to: [user.email],
      subject: rendered.subject,
      text: rendered.text,
      html,
      headers,
      metadata: { tero_message_id: messageId, tero_brand_id: ctx.brandId, tero_client_id: client.id },
    };
  }

  private dueAt(enrollment: EmailEnrollment, step: SequenceStep): Date {
    return new Date(enrollment.startedAt.getTime() + step.delayMs);
  }

  private localeOf(brand: Brand, client: Client, user: User): string {
    return [user.locale, client.locale, brand.defaultLocale].find(isSupportedLocale) ?? 'en';
  }

  /** Inserts the step's row unless another run did; true when this run did. */
  private async claim(ctx: TenantContext, enrollment: EmailEnrollment, step: number, def: SequenceStep, messageId: string, outcome: 'sent' | 'skipped', now: Date): Promise<boolean> {
    const em = this.deps.db.forTenant(ctx) as unknown as SqlEntityManager;
    const inserted = await em
      .createQueryBuilder(EmailSentStep)
      .insert({ id: randomUUID(), createdAt: now, updatedAt: now, brand: ctx.brandId, client: enrollment.client.id, enrollment: enrollment.id, step, templateId: def.templateId, messageId, outcome, sentAt: now } as never)
      .onConflict(['enrollment', 'step'] as never)
      .ignore()
      .execute('run');
    return Number((inserted as { affectedRows?: number }).affectedRows ?? 0) === 1;
  }

  private async finish(ctx: TenantContext, enrollment: EmailEnrollment, status: 'completed' | 'stopped' | 'unsubscribed'): Promise<void> {
    const now = this.clock();
    await this.deps.db.forTenant(ctx).nativeUpdate(EmailEnrollment, { id: enrollment.id, status: 'active' }, { status, stoppedAt: now, nextDueAt: null, updatedAt: now });
    enrollment.status = status;
  }
}

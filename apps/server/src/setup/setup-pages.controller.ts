import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { AuthError, NotFoundError } from '@tero/accounts';
import {
  type ChecklistItem,
  StepAlreadySavedError,
  StepInvalidError,
  type StepProblem,
  WEEKDAYS,
  WIZARD_STEPS,
  type WizardActor,
  type WizardStep,
  type WizardValues,
  type WizardView,
  formatAmount,
  formatExceptions,
  formatIntervals,
  isWizardStep,
  nextStep,
  previousStep,
} from '@tero/onboarding';
import { TeroError, type TenantContext } from '@tero/sdk';
import type { TestCallView } from '@tero/telephony';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AgentTestCallsHost } from '../api/agent-test-calls.host';
import { CsrfError, ForbiddenError } from '../http/page-errors';
import { SESSION_COOKIE, tenantContextOf } from '../http/request-context';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { checkedForm, errorText, localTime, originOf, say, sendPage } from '../pages/page-kit';

type Form = Record<string, unknown>;
const str = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

/** How many empty rows the services and FAQ forms offer for new entries. */
const NEW_ROWS = 2;
const ROUTE_POLICIES = ['ai', 'voicemail', 'forward'] as const;
const EMERGENCY_POLICIES = ['transfer', 'message'] as const;

interface StepExtra {
  /** The refused input, shown again as typed. */
  form?: Form;
  problems?: StepProblem[];
  error?: string;
  notice?: string;
  /** A test call in progress (or just ended) to show. */
  call?: TestCallView | null;
}

/** Rows of a flat form (`services.0.name`, `services.1.price`…) as objects, by index. */
export function formRows(form: Form, prefix: string): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const pattern = new RegExp(`^${prefix}\\.(\\d{1,3})\\.([A-Za-z]+)$`);
  for (const [key, value] of Object.entries(form)) {
    const match = pattern.exec(key);
    if (!match) continue;
    const index = Number(match[1]);
    (rows[index] ??= {})[match[2]!] = Array.isArray(value) ? value[value.length - 1] : value;
  }
  return Array.from(rows, (row) => row ?? {});
}

/**
 * The setup wizard's pages on a client's host: `/setup` (the checklist with its progress), one page per
 * step at `/setup/<step>` with each field's reason when refused, the test call run through the agent
 * test-call machinery, the finish page with the dashboard address, the number and the wait for the
 * first real call (`/setup/first-call`, polled as JSON), and `/setup/welcome`, where the owner lands
 * signed in after the checkout. Forms carry the CSRF token and the state's version: a double submit
 * is told "already saved" and changes nothing.
 */
@Controller()
export class SetupPagesController {
  constructor(
    @Inject(KERNEL) private readonly kernel: Kernel,
    @Inject(AgentTestCallsHost) private readonly testCalls: AgentTestCallsHost,
  ) {}

  /** The client's owner (or its brand's admin) on the client's host; null when nobody is signed in. */
  private access(request: FastifyRequest): { ctx: TenantContext; actor: WizardActor } | null {
    const { principal, host } = request.tero;
    if (!principal) return null;
    if (host.kind !== 'client' || !['client_owner', 'brand_admin'].includes(principal.role)) throw new ForbiddenError();
    return { ctx: tenantContextOf(request.tero), actor: { userId: principal.userId } };
  }

  /** A field's reasons in the reader's language, by field name with `.` as `_` (templates cannot look dots up). */
  private fieldErrors(request: FastifyRequest, problems: StepProblem[]): Record<string, string> {
    const errors: Record<string, string> = {};
    for (const p of problems) {
      const key = p.field.replace(/\./g, '_');
      const text = say(this.kernel, request, `onboarding:reason.${p.code}`, p.params ?? {});
      errors[key] = errors[key] ? `${errors[key]} ${text}` : text;
    }
    return errors;
  }

  private checklist(request: FastifyRequest, state: WizardView) {
    return {
      percent: state.percent,
      doneCount: state.doneCount,
      total: state.total,
      complete: state.completedAt !== null,
      next: state.nextOpen,
      items: state.items.map((item: ChecklistItem, index) => ({
        step: item.step,
        number: index + 1,
        done: item.done,
        label: say(this.kernel, request, `onboarding:steps.${item.step}.title`),
        url: `/setup/${item.step}`,
        current: item.step === state.currentStep,
      })),
    };
  }

  /** The state, or a 404 for a client that has no wizard (created another way). */
  private async stateOf(ctx: TenantContext): Promise<WizardView> {
    const state = await this.kernel.wizard.state(ctx);
    if (!state) throw new NotFoundError('page');
    return state;
  }

  // ---- landing after checkout ----

  /**
   * The checkout's success URL: a one-time sign-in link (the session cookie is per host, and the owner
   * signed up on the brand's host), consumed here; then the wizard. A used or expired link asks for a sign-in.
   */
  @Get('/setup/welcome')
  async welcome(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    if (request.tero.host.kind !== 'client') throw new NotFoundError('page');
    try {
      const user = await this.kernel.auth.consumeMagicLink(request.tero.host, (request.query as Record<string, unknown>).token);
      const session = await this.kernel.auth.createSession(user, request.headers['user-agent']);
      reply.setCookie(SESSION_COOKIE, session.token, { path: '/', httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', expires: session.expiresAt });
      return reply.redirect('/setup?checkout=done', 303);
    } catch (error) {
      if (error instanceof AuthError) return reply.redirect(request.tero.principal ? '/setup' : '/login', 303);
      throw error;
    }
  }

  // ---- checklist ----

  @Get('/setup')
  async overview(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const access = this.access(request);
    if (!access) return reply.redirect('/login', 303);
    const state = await this.stateOf(access.ctx);
    if (state.completedAt) return reply.redirect('/setup/done', 303);
    const query = request.query as Record<string, string | undefined>;
    return sendPage(this.kernel, request, reply, 'setup', {
      title: say(this.kernel, request, 'onboarding:title'),
      checklist: this.checklist(request, state),
      notice: query.checkout === 'done' ? say(this.kernel, request, 'onboarding:checkoutDone') : undefined,
    });
  }

  /** The next open step (where the dashboard's "continue" goes). */
  @Get('/setup/next')
  async next(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const access = this.access(request);
    if (!access) return reply.redirect('/login', 303);
    const state = await this.stateOf(access.ctx);
    return reply.redirect(state.nextOpen ? `/setup/${state.nextOpen}` : '/setup/done', 303);
  }

  // ---- finish ----

  @Get('/setup/done')
  async done(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const access = this.access(request);
    if (!access) return reply.redirect('/login', 303);
    const state = await this.stateOf(access.ctx);
    if (!state.completedAt) return reply.redirect('/setup', 303);
    const [numbers, firstCall, values] = await Promise.all([this.kernel.wizard.numbers(access.ctx), this.kernel.wizard.firstRealCall(access.ctx), this.kernel.wizard.values(access.ctx)]);
    return sendPage(this.kernel, request, reply, 'setup-done', {
      title: say(this.kernel, request, 'onboarding:done.title'),
      checklist: this.checklist(request, state),
      dashboardUrl: `${originOf(this.kernel, request)}/`,
      numbers: numbers.map((n) => ({ ...n, syncLabel: say(this.kernel, request, `onboarding:sync.${n.syncState ?? 'none'}`) })),
      firstCall: firstCall ? localTime(request, firstCall, values.client.timezone) : null,
      status: values.client.status,
    });
  }

  /** Polled by the finish page: whether a real (not test) call has ended yet. */
  @Get('/setup/first-call')
  async firstCall(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const access = this.access(request);
    if (!access) return reply.code(401).send({ error: 'unauthenticated' });
    await this.stateOf(access.ctx);
    const at = await this.kernel.wizard.firstRealCall(access.ctx);
    return reply.header('cache-control', 'no-store').send({ received: at !== null, at: at?.toISOString() ?? null, label: at ? say(this.kernel, request, 'onboarding:done.firstCallReceived') : say(this.kernel, request, 'onboarding:done.waiting') });
  }

  // ---- steps ----

  @Get('/setup/:step')
  async stepPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('step') step: string) {
    if (!isWizardStep(step)) throw new NotFoundError('page');
    return this.renderStep(request, reply, step);
  }

  private async renderStep(request: FastifyRequest, reply: FastifyReply, step: WizardStep, extra: StepExtra = {}, status = 200) {
    const access = this.access(request);
    if (!access) return reply.redirect('/login', 303);
    const { ctx } = access;
    const state = await this.stateOf(ctx);
    const values = await this.kernel.wizard.values(ctx);
    const errors = this.fieldErrors(request, extra.problems ?? []);
    const previous = previousStep(step);
    const following = nextStep(step);
    const item = state.items.find((i) => i.step === step)!;
    const data: Record<string, unknown> = {
      title: say(this.kernel, request, `onboarding:steps.${step}.title`),
      help: say(this.kernel, request, `onboarding:steps.${step}.help`),
      step,
      [`is_${step}`]: true,
      stepNumber: WIZARD_STEPS.indexOf(step) + 1,
      total: WIZARD_STEPS.length,
      stepDone: item.done,
      checklist: this.checklist(request, state),
      version: state.version,
      previousUrl: previous ? `/setup/${previous}` : '/setup',
      nextUrl: following ? `/setup/${following}` : '/setup/done',
      canSkipAhead: item.done && following !== null,
      error: extra.error ?? (extra.problems?.length ? say(this.kernel, request, 'onboarding:fixFields') : undefined),
      notice: extra.notice,
      errors,
      ...(await this.stepData(request, ctx, step, values, extra, errors)),
    };
    return sendPage(this.kernel, request, reply, 'setup-step', data, status);
  }

  private async stepData(request: FastifyRequest, ctx: TenantContext, step: WizardStep, values: WizardValues, extra: StepExtra, errors: Record<string, string>): Promise<Record<string, unknown>> {
    const form = extra.form;
    const { client, profile, currency } = values;
    const locale = client.locale;
    const local = (text: Record<string, string>) => text[locale] ?? text.en ?? Object.values(text)[0] ?? '';
    switch (step) {
      case 'business':
        return {
          values: {
            name: form ? str(form.name) : client.name,
            address: form ? str(form.address) : profile.address,
            timezone: form ? str(form.timezone) : client.timezone,
            exceptions: form ? (typeof form.exceptions === 'string' ? form.exceptions : '') : formatExceptions(profile.exceptions ?? []),
          },
          days: WEEKDAYS.map((day) => ({
            day,
            label: say(this.kernel, request, `onboarding:days.${day}`),
            value: form ? str(form[`hours.${day}`]) : formatIntervals(profile.hours[day] ?? []),
            error: errors[`hours_${day}`],
          })),
        };
      case 'services': {
        const rows = form
          ? formRows(form, 'services').map((row) => ({ id: str(row.id), name: str(row.name), durationMinutes: str(row.durationMinutes), price: str(row.price), bookable: row.bookable !== undefined, remove: row.remove !== undefined }))
          : [
              ...profile.services.map((s) => ({ id: s.id, name: local(s.name), durationMinutes: String(s.durationMinutes), price: formatAmount(s.priceMinor, currency), bookable: s.bookable, remove: false })),
              ...Array.from({ length: NEW_ROWS }, () => ({ id: '', name: '', durationMinutes: '', price: '', bookable: true, remove: false })),
            ];
        const lastOf = (value: unknown) => (Array.isArray(value) ? value[value.length - 1] : value);
        return {
          currency,
          listError: errors.services,
          // As typed when the form is shown again; the hidden `0` before the checkbox says "not ticked".
          textConfirmations: form ? ['on', '1', 'true'].includes(str(lastOf(form.textConfirmations))) : profile.textConfirmations,
          textConfirmationsError: errors.textConfirmations,
          rows: rows.map((row, index) => ({ ...row, index, isNew: !row.id, errors: { name: errors[`services_${index}_name`], durationMinutes: errors[`services_${index}_durationMinutes`], price: errors[`services_${index}_price`] } })),
        };
      }
      case 'faq': {
        const rows = form
          ? formRows(form, 'faq').map((row) => ({ id: str(row.id), question: str(row.question), answer: str(row.answer), remove: row.remove !== undefined }))
          : [
              ...profile.faq.map((f) => ({ id: f.id, question: local(f.question), answer: local(f.answer), remove: false })),
              ...Array.from({ length: NEW_ROWS }, () => ({ id: '', question: '', answer: '', remove: false })),
            ];
        return { listError: errors.faq, rows: rows.map((row, index) => ({ ...row, index, isNew: !row.id, errors: { question: errors[`faq_${index}_question`], answer: errors[`faq_${index}_answer`] } })) };
      }
      case 'transfer':
        return { values: { transferNumber: form ? str(form.transferNumber) : (profile.transferNumber ?? ''), onCallNumber: form ? str(form.onCallNumber) : (profile.onCallNumber ?? '') } };
      case 'afterHours': {
        const chosen = (field: 'afterHours' | 'holiday' | 'emergency') => (form ? str(form[field]) : profile.policies[field]);
        const options = (field: 'afterHours' | 'holiday' | 'emergency', list: readonly string[]) =>
          list.map((value) => ({ value, label: say(this.kernel, request, `onboarding:policy.${field === 'emergency' ? 'emergency' : 'route'}.${value}`), selected: chosen(field) === value }));
        return {
          policies: [
            { field: 'afterHours', label: say(this.kernel, request, 'onboarding:steps.afterHours.afterHoursLabel'), options: options('afterHours', ROUTE_POLICIES), error: errors.afterHours },
            { field: 'holiday', label: say(this.kernel, request, 'onboarding:steps.afterHours.holidayLabel'), options: options('holiday', ROUTE_POLICIES), error: errors.holiday },
            { field: 'emergency', label: say(this.kernel, request, 'onboarding:steps.afterHours.emergencyLabel'), options: options('emergency', EMERGENCY_POLICIES), error: errors.emergency },
          ],
          transferNumber: profile.transferNumber ?? null,
          onCallNumber: profile.onCallNumber ?? null,
        };
      }
      case 'voice': {
        const voice = await this.kernel.voices.state(ctx);
        return { voiceStatus: voice.status, voiceStatusLabel: say(this.kernel, request, `onboarding:voiceStatus.${voice.status}`), voiceReady: voice.status === 'ready' || voice.status === 'standard' };
      }
      case 'prompt': {
        const prompt = await this.kernel.prompts.state(ctx);
        return { prompt: { customized: prompt.customized, publishedVersion: prompt.publishedVersion, draft: prompt.draft } };
      }
      case 'number': {
        const query = request.query as Record<string, string | undefined>;
        const search = { areaCode: form ? str(form.areaCode) : str(query.areaCode), pattern: form ? str(form.pattern) : str(query.pattern) };
        const held = await this.kernel.wizard.numbers(ctx);
        let available: Awaited<ReturnType<Kernel['wizard']['available']>> = [];
        let searchError: string | undefined;
        if (!held.length) {
          try {
            available = await this.kernel.wizard.available(ctx, search);
          } catch (error) {
            if (!(error instanceof TeroError)) throw error;
            searchError = errorText(this.kernel, request, error);
          }
        }
        return {
          search,
          searchError,
          held: held.map((n) => ({ ...n, syncLabel: say(this.kernel, request, `onboarding:sync.${n.syncState ?? 'none'}`) })),
          available,
        };
      }
      case 'testCall': {
        const call = extra.call ?? null;
        const [held] = await this.kernel.wizard.numbers(ctx);
        return {
          number: held?.number ?? null,
          call: call
            ? {
                id: call.id,
                ended: call.ended,
                listening: Boolean(call.awaiting),
                lines: call.transcript.map((line) => ({ speaker: line.speaker, speakerLabel: say(this.kernel, request, `onboarding:steps.testCall.speaker.${line.speaker}`), text: line.text || say(this.kernel, request, `onboarding:steps.testCall.kind.${line.kind}`, { defaultValue: line.kind }) })),
              }
            : null,
        };
      }
    }
  }

  /** Runs a step's save; a refusal shows the step again with its reasons (400) or the stored state (409). */
  private async save(request: FastifyRequest, reply: FastifyReply, step: WizardStep, input: (form: Form) => unknown, extra: StepExtra = {}) {
    const access = this.access(request);
    if (!access) return reply.redirect('/login', 303);
    let form: Form = {};
    try {
      form = checkedForm(this.kernel, request);
      const version = Number(str(form.version));
      const state = await this.kernel.wizard.save(access.ctx, access.actor, step, version, input(form) as never);
      if (state.completedAt) return reply.redirect('/setup/done', 303);
      return reply.redirect(`/setup/${state.currentStep}`, 303);
    } catch (error) {
      if (error instanceof StepInvalidError) return this.renderStep(request, reply, step, { ...extra, form: this.keepsForm(step) ? form : undefined, problems: error.issues }, 400);
      if (error instanceof StepAlreadySavedError) return this.renderStep(request, reply, step, { ...extra, error: errorText(this.kernel, request, error) }, 409);
      if (error instanceof TeroError && (error.options.status ?? 400) < 500 && !(error instanceof ForbiddenError) && !(error instanceof CsrfError) && !(error instanceof NotFoundError)) {
        return this.renderStep(request, reply, step, { ...extra, form: this.keepsForm(step) ? form : undefined, error: errorText(this.kernel, request, error) }, error.options.status ?? 400);
      }
      throw error;
    }
  }

  /** Steps whose refused input is shown again as typed (the others have nothing to type). */
  private keepsForm(step: WizardStep): boolean {
    return ['business', 'services', 'faq', 'transfer', 'afterHours', 'number'].includes(step);
  }

  @Post('/setup/business')
  async saveBusiness(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.save(request, reply, 'business', (form) => ({
      name: form.name,
      address: form.address,
      timezone: form.timezone,
      exceptions: form.exceptions,
      hours: Object.fromEntries(WEEKDAYS.map((day) => [day, form[`hours.${day}`]])),
    }));
  }

  @Post('/setup/services')
  async saveServices(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.save(request, reply, 'services', (form) => ({ rows: formRows(form, 'services'), textConfirmations: form.textConfirmations }));
  }

  @Post('/setup/faq')
  async saveFaq(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.save(request, reply, 'faq', (form) => ({ rows: formRows(form, 'faq') }));
  }

  @Post('/setup/transfer')
  async saveTransfer(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.save(request, reply, 'transfer', (form) => ({ transferNumber: form.transferNumber, onCallNumber: form.onCallNumber }));
  }

  @Post('/setup/afterHours')
  async saveAfterHours(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.save(request, reply, 'afterHours', (form) => ({ afterHours: form.afterHours, holiday: form.holiday, emergency: form.emergency }));
  }

  @Post('/setup/voice')
  async saveVoice(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.save(request, reply, 'voice', () => ({}));
  }

  @Post('/setup/prompt')
  async savePrompt(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.save(request, reply, 'prompt', (form) => ({ action: str(form.action) }));
  }

  @Post('/setup/number')
  async saveNumber(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.save(request, reply, 'number', (form) => ({ numberId: form.numberId, areaCode: form.areaCode, pattern: form.pattern }));
  }

  // ---- the test call ----

  /** Runs one move of the test call and shows the call; an ended call completes the step. */
  private async callMove(request: FastifyRequest, reply: FastifyReply, move: (ctx: TenantContext, form: Form) => Promise<TestCallView>) {
    const access = this.access(request);
    if (!access) return reply.redirect('/login', 303);
    let call: TestCallView;
    let form: Form;
    try {
      form = checkedForm(this.kernel, request);
      call = await move(access.ctx, form);
    } catch (error) {
      if (error instanceof TeroError && (error.options.status ?? 400) < 500 && !(error instanceof ForbiddenError) && !(error instanceof CsrfError)) {
        return this.renderStep(request, reply, 'testCall', { error: errorText(this.kernel, request, error) }, error.options.status ?? 400);
      }
      throw error;
    }
    if (!call.ended) return this.renderStep(request, reply, 'testCall', { call });
    return this.save(request, reply, 'testCall', () => ({ ended: call.ended, error: call.error, callSid: call.callSid }), { call });
  }

  @Post('/setup/testCall/start')
  async startCall(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.callMove(request, reply, async (ctx) => {
      await this.testCalls.admit(ctx, reply);
      return this.testCalls.calls.start(ctx, {});
    });
  }

  @Post('/setup/testCall/turn')
  async callTurn(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.callMove(request, reply, async (ctx, form) => {
      await this.testCalls.admit(ctx, reply);
      return this.testCalls.calls.turn(ctx, str(form.callId), { text: str(form.text) });
    });
  }

  @Post('/setup/testCall/hangup')
  async hangUp(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.callMove(request, reply, (ctx, form) => this.testCalls.calls.hangUp(ctx, str(form.callId)));
  }
}

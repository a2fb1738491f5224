import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@tero/accounts';
import { AgentProfile, Brand, Client, JambonzConnection, PHONE_NUMBER_SYNC_STATES, PhoneNumber, type PhoneNumberSyncState } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import {
  JambonzApiError,
  type JambonzConnectionTest,
  type JambonzConnectionView,
  PUSHED_SPEECH_VENDORS,
  RECONCILE_BRAND_JOB,
  type SpeechPushResult,
  speechLabelFor,
} from '@tero/telephony';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfError, ForbiddenError } from '../http/page-errors';
import { tenantContextOf } from '../http/request-context';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { checkedForm, errorText, say, sendPage, utcTime } from '../pages/page-kit';

type Form = Record<string, unknown>;
const str = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The ids `requestSync` gives its jobs. */
const SYNC_JOB_ID = /^jambonz-brand-[0-9a-f-]{36}$/;
/** Numbers in `error` listed on the page; the rest are counted. */
const ERROR_LIST_LIMIT = 50;
const VENDOR_NAMES: Record<string, string> = { elevenlabs: 'ElevenLabs', cartesia: 'Cartesia' };

/** Whose telephony a page acts on: the brand, and where its forms post. */
interface Target {
  ctx: TenantContext;
  base: string;
  brandName: string;
}

interface PageExtra {
  error?: string;
  notice?: string;
  /** Field → reason, shown beside the field of the form that was posted. */
  fieldErrors?: Record<string, string>;
  /** The same for the speech key form. */
  speechFieldErrors?: Record<string, string>;
  /** What the connection form showed (the API key never comes back). */
  values?: Form;
  test?: JambonzConnectionTest;
  /** Our speech credentials jambonz holds, listed with a connection test. */
  speechListed?: Array<{ vendor: string; label: string; model: string | null }>;
  speechError?: string;
}

/**
 * Telephony pages. The brand admin's `/admin/telephony` (and the operator's
 * `/operator/brands/:brandId/telephony` for any brand, listed at `/operator/telephony`): the brand's
 * jambonz connection (base URL, account, write-only API key, default carrier from those a test lists), a
 * connection test showing what jambonz answered, the reconciler's status with "sync now" and "rotate the
 * webhook secret", the numbers by sync state with their errors, and the brand's own ElevenLabs/Cartesia
 * key. The client's `/voice-key`: its own key, pushed to jambonz under its label. Every form is
 * CSRF-checked; bad input re-renders the form with the field's reason and saves nothing.
 */
@Controller()
export class TelephonyPagesController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  /** A refusal in the reader's words; jambonz's own words are kept when it was jambonz that refused. */
  private errorText(request: FastifyRequest, error: TeroError): string {
    const words = errorText(this.kernel, request, error, (field) => this.fieldLabel(request, field));
    if (!(error instanceof JambonzApiError)) return words;
    const said = error.status
      ? say(this.kernel, request, 'numbers:telephony.jambonzAnswered', { status: error.status, endpoint: error.endpoint, detail: error.jambonzMessage ?? '-' })
      : say(this.kernel, request, 'numbers:telephony.jambonzSilent', { endpoint: error.endpoint, detail: String(error.params.detail ?? '-') });
    return `${words} ${said}`;
  }

  private fieldLabel(request: FastifyRequest, field: string): string {
    const key = `numbers:telephony.field.${field}`;
    return this.kernel.i18n.exists(key, { lng: request.tero.locale }) ? say(this.kernel, request, key) : field;
  }

  /**
   * Runs a form's action; a refusal (bad input, jambonz saying no or not answering) shows the page again
   * with the reason and the fields' errors, anything else goes to the error page.
   */
  private async refusable(request: FastifyRequest, act: () => Promise<unknown>, again: (extra: PageExtra, status: number) => Promise<unknown>) {
    try {
      return await act();
    } catch (error) {
      if (error instanceof ForbiddenError || error instanceof CsrfError) throw error;
      if (error instanceof JambonzApiError) return again({ error: this.errorText(request, error) }, error.options.status ?? 502);
      if (error instanceof TeroError && (error.options.status ?? 400) < 500) {
        const fieldErrors = error instanceof ValidationError ? Object.fromEntries(error.problems.map((p) => [p.field, p.reason])) : undefined;
        return again({ error: this.errorText(request, error), fieldErrors }, error.options.status ?? 400);
      }
      throw error;
    }
  }

  // ---- who: the brand admin on its host, or the operator for a brand ----

  private async brandTarget(request: FastifyRequest, brandIdParam?: string): Promise<Target | null> {
    const { principal, host } = request.tero;
    if (!principal) return null;
    if (brandIdParam === undefined) {
      if (host.kind !== 'brand' || principal.role !== 'brand_admin') throw new ForbiddenError();
      return { ctx: tenantContextOf(request.tero), base: '/admin/telephony', brandName: host.brand.name };
    }
    if (host.kind !== 'instance' || principal.role !== 'operator') throw new ForbiddenError();
    if (!UUID.test(brandIdParam)) throw new NotFoundError('brand');
    const brand = await this.kernel.db.forInstance('the operator manages any brand\'s telephony').findOne(Brand, { id: brandIdParam });
    if (!brand) throw new NotFoundError('brand');
    return {
      ctx: { brandId: brand.id, clientId: null, locale: request.tero.locale, requestId: request.tero.requestId, userId: principal.userId },
      base: `/operator/brands/${brand.id}/telephony`,
      brandName: brand.name,
    };
  }

  private connectionValues(view: JambonzConnectionView | null, values?: Form): Record<string, string> {
    if (values) return { baseUrl: str(values.baseUrl), accountSid: str(values.accountSid), carrierSid: str(values.carrierSid) };
    return { baseUrl: view?.baseUrl ?? '', accountSid: view?.accountSid ?? '', carrierSid: view?.carrierSid ?? '' };
  }

  /** The numbers of the brand by sync state (none: not mirrored), and those jambonz refused. */
  private async numberSync(ctx: TenantContext) {
    const em = this.kernel.db.forTenant(ctx);
    const counts = await Promise.all(PHONE_NUMBER_SYNC_STATES.map((s) => em.count(PhoneNumber, { syncState: s })));
    const none = await em.count(PhoneNumber, { syncState: null });
    const errors = await em.find(PhoneNumber, { syncState: 'error' }, { orderBy: { number: 'asc' }, limit: ERROR_LIST_LIMIT });
    return {
      counts: [...PHONE_NUMBER_SYNC_STATES.map((s, i) => ({ state: s as PhoneNumberSyncState | 'none', count: counts[i]! })), { state: 'none' as const, count: none }],
      errors: errors.map((n) => ({ number: n.number, state: n.state, error: n.syncError ?? '' })),
      moreErrors: Math.max(0, (counts[PHONE_NUMBER_SYNC_STATES.indexOf('error')] ?? 0) - errors.length),
    };
  }

  private async brandPage(request: FastifyRequest, reply: FastifyReply, target: Target, extra: PageExtra = {}, status = 200) {
    const { ctx, base } = target;
    const { connections, reconciler } = this.kernel.provisioning;
    const view = await connections.get(ctx);
    const values = this.connectionValues(view, extra.values);
    const query = (request.query ?? {}) as Record<string, string | undefined>;
    const jobId = str(query.job);
    const found = SYNC_JOB_ID.test(jobId) ? await this.kernel.jobs.get<{ brandId?: string; rotateSecret?: boolean }>(RECONCILE_BRAND_JOB, jobId) : null;
    // Another brand's job is not this page's to show.
    const job = found && found.data.brandId === ctx.brandId ? found : null;
    const sync = await this.numberSync(ctx);
    const hooks = reconciler.hooks();

    // The default carrier is chosen among those a test listed; before a test, the saved one alone.
    const tested = extra.test?.carriers ?? [];
    const carrierOptions = tested.length
      ? tested.map((c) => ({ sid: c.sid, name: c.name, active: c.active, selected: c.sid === values.carrierSid }))
      : values.carrierSid
        ? [{ sid: values.carrierSid, name: values.carrierSid, active: true, selected: true }]
        : [];
    const fieldErrors = extra.fieldErrors ?? {};
    return sendPage(
      this.kernel,
      request,
      reply,
      'brand-telephony',
      {
        title: say(this.kernel, request, 'numbers:telephony.title'),
        brandName: target.brandName,
        operator: request.tero.host.kind === 'instance',
        base,
        error: extra.error,
        notice: extra.notice,
        values,
        fieldErrors,
        carriers: carrierOptions,
        carriersTested: tested.length > 0,
        connected: !!view,
        connection: view
          ? {
              ...view,
              statusLabel: say(this.kernel, request, `numbers:telephony.status.${view.status}`),
              nextAttemptAt: utcTime(request, view.nextAttemptAt, 'medium'),
              lastSyncedAt: utcTime(request, view.lastSyncedAt, 'medium'),
              secretRotatedAt: utcTime(request, view.secretRotatedAt, 'medium'),
            }
          : null,
        hooks,
        job: job ? { id: job.id, state: job.state, stateLabel: say(this.kernel, request, `numbers:telephony.job.${job.state}`), rotate: job.data.rotateSecret === true } : null,
        test: extra.test
          ? {
              ...extra.test,
              carriers: extra.test.carriers.map((c) => ({ ...c, gateways: c.gateways.map((g) => ({ ...g, port: g.port ?? '' })) })),
            }
          : null,
        speechFieldErrors: extra.speechFieldErrors ?? {},
        speechListed: extra.speechListed ?? null,
        speechError: extra.speechError ?? null,
        numberCounts: sync.counts.map((c) => ({ ...c, label: say(this.kernel, request, `numbers:sync.${c.state}`) })),
        numberErrors: sync.errors.map((e) => ({ ...e, stateLabel: say(this.kernel, request, `numbers:state.${e.state}`) })),
        moreNumberErrors: sync.moreErrors,
        vendors: PUSHED_SPEECH_VENDORS.map((v) => ({ value: v, name: VENDOR_NAMES[v] ?? v })),
        brandLabel: speechLabelFor(null),
      },
      status,
    );
  }

  private async brandAction(
    request: FastifyRequest,
    reply: FastifyReply,
    brandId: string | undefined,
    posted: 'connection' | 'speech' | 'sync',
    act: (target: Target, form: Form) => Promise<PageExtra | { redirect: string }>,
  ) {
    const target = await this.brandTarget(request, brandId);
    if (!target) return reply.redirect('/login', 303);
    const form = checkedForm(this.kernel, request);
    return this.refusable(
      request,
      async () => {
        const done = await act(target, form);
        if ('redirect' in done) return reply.redirect(done.redirect, 303);
        return this.brandPage(request, reply, target, done);
      },
      (extra, status) => {
        if (posted === 'connection') return this.brandPage(request, reply, target, { ...extra, values: form }, status);
        const { fieldErrors, ...rest } = extra;
        return this.brandPage(request, reply, target, { ...rest, speechFieldErrors: posted === 'speech' ? fieldErrors : undefined }, status);
      },
    );
  }

  /** The connection form as the service takes it: an empty key keeps the saved one, no carrier is none. */
  private connectionInput(form: Form): Record<string, unknown> {
    const apiKey = str(form.apiKey);
    return { baseUrl: str(form.baseUrl), accountSid: str(form.accountSid), ...(apiKey ? { apiKey } : {}), carrierSid: str(form.carrierSid) || null };
  }

  private async save(request: FastifyRequest, target: Target, form: Form): Promise<PageExtra> {
    await this.kernel.provisioning.connections.set(target.ctx, this.connectionInput(form));
    return { notice: say(this.kernel, request, 'numbers:telephony.saved') };
  }

  private async test(request: FastifyRequest, target: Target, form: Form): Promise<PageExtra> {
    const { connections } = this.kernel.provisioning;
    const found = await connections.test(target.ctx, this.connectionInput(form));
    const extra: PageExtra = { test: found, values: form, notice: say(this.kernel, request, 'numbers:telephony.testOk', { account: found.account.name, count: found.carriers.length }) };
    // What of ours the saved account holds; the key is never read back.
    const saved = await connections.connectionOf(target.ctx.brandId);
    if (saved) {
      try {
        const listed = await connections.clientFor(saved).listSpeechCredentials(saved.accountSid);
        extra.speechListed = listed
          .filter((c) => c.account_sid === saved.accountSid && !!c.label && (c.label === speechLabelFor(null) || c.label.startsWith('tero-')))
          .map((c) => ({ vendor: VENDOR_NAMES[c.vendor] ?? c.vendor, label: c.label!, model: c.model_id ?? null }));
      } catch (error) {
        if (!(error instanceof TeroError)) throw error;
        extra.speechError = this.errorText(request, error);
      }
    }
    return extra;
  }

  private async requestSync(target: Target, rotateSecret: boolean): Promise<{ redirect: string }> {
    const { connections } = this.kernel.provisioning;
    if (!(await connections.connectionOf(target.ctx.brandId))) throw new TeroError('jambonz.not_connected', 'no jambonz connection', {}, { status: 409 });
    const id = await this.kernel.provisioning.requestSync(target.ctx.brandId, { rotateSecret });
    return { redirect: `${target.base}?job=${encodeURIComponent(id)}` };
  }

  /** Removes the brand's connection once confirmed; the notice says what was done in jambonz, or left there. */
  private async removeConnection(request: FastifyRequest, target: Target, form: Form): Promise<PageExtra> {
    if (form.confirm !== '1' && form.confirm !== 'on') throw new ValidationError([{ field: 'confirm', reason: 'tick the box to confirm' }]);
    const done = await this.kernel.provisioning.reconciler.disconnect(target.ctx.brandId);
    const notice = done.left
      ? say(this.kernel, request, 'numbers:telephony.removedLeft', { detail: done.left })
      : say(this.kernel, request, 'numbers:telephony.removed', { count: done.numbersUnpointed });
    return { notice };
  }

  private async pushBrandKey(request: FastifyRequest, target: Target, form: Form): Promise<PageExtra> {
    const pushed = await this.kernel.provisioning.speech.push(target.ctx, speechInput(form, null));
    return { notice: this.pushedNotice(request, str(form.vendor), pushed) };
  }

  private async removeBrandKey(request: FastifyRequest, target: Target, form: Form): Promise<PageExtra> {
    const vendor = str(form.vendor);
    const removed = await this.kernel.provisioning.speech.remove(target.ctx, { vendor });
    return { notice: say(this.kernel, request, removed.removed ? 'numbers:telephony.speech.removed' : 'numbers:telephony.speech.notThere', { vendor: VENDOR_NAMES[vendor] ?? vendor, label: removed.label }) };
  }

  private pushedNotice(request: FastifyRequest, vendor: string, pushed: SpeechPushResult): string {
    return say(this.kernel, request, `numbers:telephony.speech.pushed.${pushed.action}`, { vendor: VENDOR_NAMES[vendor] ?? vendor, label: pushed.label });
  }

  // ---- brand admin ----

  @Get('/admin/telephony')
  async brandTelephony(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const target = await this.brandTarget(request);
    if (!target) return reply.redirect('/login', 303);
    return this.brandPage(request, reply, target);
  }

  @Post('/admin/telephony')
  async saveConnection(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandAction(request, reply, undefined, 'connection', (target, form) => this.save(request, target, form));
  }

  @Post('/admin/telephony/test')
  async testConnection(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandAction(request, reply, undefined, 'connection', (target, form) => this.test(request, target, form));
  }

  @Post('/admin/telephony/sync')
  async syncNow(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandAction(request, reply, undefined, 'sync', (target) => this.requestSync(target, false));
  }

  @Post('/admin/telephony/rotate-secret')
  async rotateSecret(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandAction(request, reply, undefined, 'sync', (target) => this.requestSync(target, true));
  }

  @Post('/admin/telephony/remove')
  async remove(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandAction(request, reply, undefined, 'sync', (target, form) => this.removeConnection(request, target, form));
  }

  @Post('/admin/telephony/speech')
  async pushSpeech(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandAction(request, reply, undefined, 'speech', (target, form) => this.pushBrandKey(request, target, form));
  }

  @Post('/admin/telephony/speech/remove')
  async removeSpeech(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandAction(request, reply, undefined, 'speech', (target, form) => this.removeBrandKey(request, target, form));
  }

  // ---- operator: any brand ----

  @Get('/operator/telephony')
  async operatorBrands(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const { principal, host } = request.tero;
    if (!principal) return reply.redirect('/login', 303);
    if (host.kind !== 'instance' || principal.role !== 'operator') throw new ForbiddenError();
    const em = this.kernel.db.forInstance('the operator lists every brand\'s jambonz connection');
    const brands = await em.find(Brand, {}, { orderBy: { name: 'asc' } });
    const connections = await em.find(JambonzConnection, {});
    const byBrand = new Map(connections.map((c) => [c.brand.id, c]));
    return sendPage(this.kernel, request, reply, 'brand-telephony', {
      title: say(this.kernel, request, 'numbers:telephony.title'),
      brandList: brands.map((b) => {
        const c = byBrand.get(b.id);
        return {
          id: b.id,
          name: b.name,
          url: `/operator/brands/${b.id}/telephony`,
          status: c?.status ?? 'none',
          statusLabel: say(this.kernel, request, `numbers:telephony.status.${c?.status ?? 'none'}`),
          lastError: c?.lastError ?? '',
          lastSyncedAt: utcTime(request, c?.lastSyncedAt, 'medium'),
        };
      }),
    });
  }

  @Get('/operator/brands/:brandId/telephony')
  async operatorTelephony(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('brandId') brandId: string) {
    const target = await this.brandTarget(request, brandId);
    if (!target) return reply.redirect('/login', 303);
    return this.brandPage(request, reply, target);
  }

  @Post('/operator/brands/:brandId/telephony')
  async operatorSave(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('brandId') brandId: string) {
    return this.brandAction(request, reply, brandId, 'connection', (target, form) => this.save(request, target, form));
  }

  @Post('/operator/brands/:brandId/telephony/test')
  async operatorTest(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('brandId') brandId: string) {
    return this.brandAction(request, reply, brandId, 'connection', (target, form) => this.test(request, target, form));
  }

  @Post('/operator/brands/:brandId/telephony/sync')
  async operatorSync(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('brandId') brandId: string) {
    return this.brandAction(request, reply, brandId, 'sync', (target) => this.requestSync(target, false));
  }

  @Post('/operator/brands/:brandId/telephony/rotate-secret')
  async operatorRotate(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('brandId') brandId: string) {
    return this.brandAction(request, reply, brandId, 'sync', (target) => this.requestSync(target, true));
  }

  @Post('/operator/brands/:brandId/telephony/remove')
  async operatorRemove(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('brandId') brandId: string) {
    return this.brandAction(request, reply, brandId, 'sync', (target, form) => this.removeConnection(request, target, form));
  }

  @Post('/operator/brands/:brandId/telephony/speech')
  async operatorPushSpeech(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('brandId') brandId: string) {
    return this.brandAction(request, reply, brandId, 'speech', (target, form) => this.pushBrandKey(request, target, form));
  }

  @Post('/operator/brands/:brandId/telephony/speech/remove')
  async operatorRemoveSpeech(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('brandId') brandId: string) {
    return this.brandAction(request, reply, brandId, 'speech', (target, form) => this.removeBrandKey(request, target, form));
  }

  // ---- client: /voice-key ----

  /** Owner or brand admin on a client host manage the key; staff only see whether one is in use. */
  private clientAccess(request: FastifyRequest): { ctx: TenantContext; clientId: string; manage: boolean } | null {
    const { principal, host } = request.tero;
    if (!principal) return null;
    if (host.kind !== 'client' || !['client_owner', 'client_staff', 'brand_admin'].includes(principal.role)) throw new ForbiddenError();
    return { ctx: tenantContextOf(request.tero), clientId: host.client.id, manage: principal.role !== 'client_staff' };
  }

  private async clientPage(request: FastifyRequest, reply: FastifyReply, extra: PageExtra = {}, status = 200) {
    const access = this.clientAccess(request);
    if (!access) return reply.redirect('/login', 303);
    const em = this.kernel.db.forTenant(access.ctx);
    const [client, profile, connection] = await Promise.all([
      em.findOneOrFail(Client, { id: access.clientId }),
      em.findOne(AgentProfile, { client: access.clientId }),
      this.kernel.provisioning.connections.connectionOf(access.ctx.brandId),
    ]);
    const label = speechLabelFor(client.slug);
    const voice = profile?.voice ?? null;
    const values = extra.values ?? {};
    return sendPage(
      this.kernel,
      request,
      reply,
      'client-voice-key',
      {
        title: say(this.kernel, request, 'numbers:telephony.voiceKey.title'),
        error: extra.error,
        notice: extra.notice,
        fieldErrors: extra.fieldErrors ?? {},
        canManage: access.manage,
        connected: !!connection,
        label,
        voiceVendor: voice ? (VENDOR_NAMES[voice.vendor] ?? voice.vendor) : null,
        ownKeyInUse: voice?.label === label,
        vendors: PUSHED_SPEECH_VENDORS.map((v) => ({ value: v, name: VENDOR_NAMES[v] ?? v, selected: (str(values.vendor) || voice?.vendor) === v })),
        modelId: str(values.modelId),
      },
      status,
    );
  }

  private async clientAction(request: FastifyRequest, reply: FastifyReply, act: (ctx: TenantContext, clientId: string, form: Form) => Promise<string>) {
    const access = this.clientAccess(request);
    if (!access) return reply.redirect('/login', 303);
    if (!access.manage) throw new ForbiddenError();
    const form = checkedForm(this.kernel, request);
    return this.refusable(
      request,
      async () => this.clientPage(request, reply, { notice: await act(access.ctx, access.clientId, form) }),
      (extra, status) => this.clientPage(request, reply, { ...extra, values: { vendor: form.vendor, modelId: form.modelId } }, status),
    );
  }

  @Get('/voice-key')
  async voiceKey(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.clientPage(request, reply);
  }

  @Post('/voice-key')
  async pushVoiceKey(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.clientAction(request, reply, async (ctx, clientId, form) => {
      const pushed = await this.kernel.provisioning.speech.push(ctx, speechInput(form, clientId));
      const vendor = str(form.vendor);
      const inUse = say(this.kernel, request, pushed.profileLabelled ? 'numbers:telephony.voiceKey.inUse' : 'numbers:telephony.voiceKey.notInUse', { vendor: VENDOR_NAMES[vendor] ?? vendor });
      return `${this.pushedNotice(request, vendor, pushed)} ${inUse}`;
    });
  }

  @Post('/voice-key/remove')
  async removeVoiceKey(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.clientAction(request, reply, async (ctx, clientId, form) => {
      const vendor = str(form.vendor);
      const removed = await this.kernel.provisioning.speech.remove(ctx, { clientId, vendor });
      return say(this.kernel, request, removed.removed ? 'numbers:telephony.speech.removed' : 'numbers:telephony.speech.notThere', { vendor: VENDOR_NAMES[vendor] ?? vendor, label: removed.label });
    });
  }
}

function speechInput(form: Form, clientId: string | null): Record<string, unknown> {
  const modelId = str(form.modelId);
  return { ...(clientId ? { clientId } : {}), vendor: str(form.vendor), apiKey: str(form.apiKey), ...(modelId ? { modelId } : {}) };
}

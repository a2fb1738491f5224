import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@tero/accounts';
import { Brand, PHONE_NUMBER_STATES, PORTING_STATUSES, type PhoneNumberState } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import {
  ImportRefusedError,
  MAX_DOCUMENT_BYTES,
  MAX_DOCUMENTS,
  type NumberView,
  PORTING_TRANSITIONS,
  type PortingView,
  QUARANTINE_DAYS_BOUNDS,
  type RowProblem,
  SERVED_COUNTRY_CODES,
} from '@tero/telephony';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfError, ForbiddenError } from '../http/page-errors';
import { tenantContextOf } from '../http/request-context';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import type { MultipartBody } from '../http/multipart-form';
import { checkedUpload, errorText, say, sendPage, utcTime } from '../pages/page-kit';

type Form = Record<string, unknown>;
const str = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

/** The upload routes and the most each accepts: a CSV of 20,000 numbers, and a porting request's documents. */
export const NUMBER_UPLOAD_LIMITS: Readonly<Record<string, number>> = {
  '/admin/numbers/import': 3 * 1024 * 1024,
  '/numbers/porting': MAX_DOCUMENTS * MAX_DOCUMENT_BYTES + 1024 * 1024,
};

interface PageExtra {
  error?: string;
  notice?: string;
  problems?: RowProblem[];
  values?: Form;
}

/**
 * Number pages. The brand admin's `/admin/numbers`: the pool with its states and jambonz sync, filters
 * (state, country, area code, pattern), add one number, CSV upload with its per-row report (big files as
 * a job whose progress the page shows), assign (a chosen number, or the next one matching a search),
 * release, and the clients' porting requests with their documents and status. The client's `/numbers`:
 * its numbers, its porting requests and the form to submit one with documents. Forms are CSRF-checked;
 * every action goes through `kernel.numbers` with the request's tenant.
 */
@Controller()
export class NumbersPagesController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  /** A refused action shows its page again with the reason; anything else is the error page's. */
  private async refusable(request: FastifyRequest, reply: FastifyReply, act: () => Promise<unknown>, again: (extra: PageExtra, status: number) => Promise<unknown>) {
    try {
      return await act();
    } catch (error) {
      if (error instanceof TeroError && (error.options.status ?? 400) < 500 && !(error instanceof ForbiddenError) && !(error instanceof CsrfError)) {
        const problems = error instanceof ImportRefusedError ? error.problems : undefined;
        return again({ error: errorText(this.kernel, request, error), problems }, error.options.status ?? 400);
      }
      throw error;
    }
  }

  private portingData(request: FastifyRequest, p: PortingView, base: string) {
    return {
      id: p.id,
      number: p.number,
      clientName: p.clientName,
      losingCarrier: p.losingCarrier,
      accountNumber: p.accountNumber,
      authorizedName: p.authorizedName,
      status: p.status,
      statusLabel: say(this.kernel, request, `numbers:porting.status.${p.status}`),
      statusNote: p.statusNote,
      submittedAt: utcTime(request, p.createdAt),
      documents: p.documents.map((d) => ({ ...d, url: `${base}/porting/${p.id}/documents/${d.index}`, kb: Math.max(1, Math.round(d.bytes / 1024)) })),
      next: PORTING_TRANSITIONS[p.status].filter((s) => s !== 'cancelled').map((s) => ({ value: s, label: say(this.kernel, request, `numbers:porting.action.${s}`) })),
      cancellable: p.status === 'submitted',
    };
  }

  private numberData(request: FastifyRequest, n: NumberView) {
    const until = n.state === 'reserved' ? n.reservedUntil : n.state === 'quarantined' ? n.quarantinedUntil : null;
    return {
      ...n,
      stateLabel: say(this.kernel, request, `numbers:state.${n.state}`),
      sync: n.syncState ?? 'none',
      syncLabel: say(this.kernel, request, `numbers:sync.${n.syncState ?? 'none'}`),
      until: until ? utcTime(request, until) : '',
      canAssign: n.state === 'available' || n.state === 'reserved' || n.state === 'quarantined',
      canRelease: n.state === 'assigned' || n.state === 'reserved',
      canDelete: n.state === 'available' || n.state === 'quarantined',
    };
  }

  // ---- brand admin: /admin/numbers ----

  private brandAccess(request: FastifyRequest): TenantContext | null {
    const { principal, host } = request.tero;
    if (!principal) return null;
    if (host.kind !== 'brand' || principal.role !== 'brand_admin') throw new ForbiddenError();
    return tenantContextOf(request.tero);
  }

  private async brandPage(request: FastifyRequest, reply: FastifyReply, extra: PageExtra = {}, status = 200) {
    const ctx = this.brandAccess(request);
    if (!ctx) return reply.redirect('/login', 303);
    const query = request.query as Record<string, string | undefined>;
    const state = PHONE_NUMBER_STATES.includes(query.state as PhoneNumberState) ? (query.state as PhoneNumberState) : null;
    const filters = { state: state ?? '', country: str(query.country).toUpperCase(), areaCode: str(query.areaCode), pattern: str(query.pattern) };
    let listError: string | undefined;
    const { pool, porting, imports } = this.kernel.numbers;
    const list = await pool.list(ctx, { ...filters, state, page: Number(query.page) || 1, pageSize: 50 }).catch((error: unknown) => {
      if (!(error instanceof ValidationError)) throw error;
      listError = errorText(this.kernel, request, error);
      status = 400;
      return pool.list(ctx, { page: 1, pageSize: 50 });
    });
    const [clients, requests] = await Promise.all([this.kernel.accounts.listClients(ctx), porting.list(ctx)]);
    const importId = str(query.import);
    const importStatus = importId ? await imports.status(ctx, importId).catch((error: unknown) => (error instanceof TeroError && error.code === 'numbers.import_not_found' ? null : Promise.reject(error))) : null;
    const pages = Math.max(1, Math.ceil(list.total / list.pageSize));
    const pageUrl = (page: number) => `/admin/numbers?${new URLSearchParams({ ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)), page: String(page) }).toString()}`;
    return sendPage(
      this.kernel,
      request,
      reply,
      'brand-numbers',
      {
        title: say(this.kernel, request, 'numbers:admin.title'),
        error: extra.error ?? listError,
        notice: extra.notice,
        problems: extra.problems?.slice(0, 200) ?? null,
        moreProblems: extra.problems && extra.problems.length > 200 ? extra.problems.length - 200 : 0,
        values: extra.values ?? {},
        quarantineDays: await pool.quarantineDaysFor(ctx.brandId),
        quarantine: {
          own: extra.values && 'quarantineDays' in extra.values ? str(extra.values.quarantineDays) : ((await this.ownQuarantineDays(ctx)) ?? ''),
          instance: pool.quarantineDays,
          min: QUARANTINE_DAYS_BOUNDS.min,
          max: QUARANTINE_DAYS_BOUNDS.max,
        },
        filters,
        states: PHONE_NUMBER_STATES.map((s) => ({ value: s, label: say(this.kernel, request, `numbers:state.${s}`), selected: s === state })),
        countries: SERVED_COUNTRY_CODES.map((c) => ({ value: c, selected: c === filters.country })),
        numbers: list.items.map((n) => this.numberData(request, n)),
        total: list.total,
        pager: { page: list.page, pages, prev: list.page > 1 ? pageUrl(list.page - 1) : null, next: list.page < pages ? pageUrl(list.page + 1) : null },
        clients: clients.map((c) => ({ id: c.id, name: c.name })),
        importStatus: importStatus
          ? {
              ...importStatus,
              stateLabel: say(this.kernel, request, `numbers:import.state.${importStatus.state}`),
              problems: importStatus.report?.problems.slice(0, 200) ?? [],
              refused: importStatus.report?.refused ?? false,
            }
          : null,
        porting: requests.map((p) => this.portingData(request, p, '/admin/numbers')),
      },
      status,
    );
  }

  private async brandAction(request: FastifyRequest, reply: FastifyReply, act: (ctx: TenantContext, form: Form, upload: MultipartBody | null) => Promise<string | { redirect: string }>) {
    const ctx = this.brandAccess(request);
    if (!ctx) return reply.redirect('/login', 303);
    const { fields, upload } = checkedUpload(this.kernel, request);
    return this.refusable(
      request,
      reply,
      async () => {
        const done = await act(ctx, fields, upload);
        if (typeof done === 'object') return reply.redirect(done.redirect, 303);
        return this.brandPage(request, reply, { notice: done });
      },
      (extra, status) => this.brandPage(request, reply, { ...extra, values: fields }, status),
    );
  }

  // ---- operator: every brand's numbers, read-only ----

  /** Every brand's numbers for the operator: filters (brand, state, country, area code, pattern), 50 a page, nothing to change here. */
  @Get('/operator/numbers')
  async operatorNumbers(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const { principal, host } = request.tero;
    if (!principal) return reply.redirect('/login', 303);
    if (host.kind !== 'instance' || principal.role !== 'operator') throw new ForbiddenError();
    const query = request.query as Record<string, string | undefined>;
    const state = PHONE_NUMBER_STATES.includes(query.state as PhoneNumberState) ? (query.state as PhoneNumberState) : null;
    const filters = { brand: str(query.brand), state: state ?? '', country: str(query.country).toUpperCase(), areaCode: str(query.areaCode), pattern: str(query.pattern) };
    const brands = await this.kernel.db.forInstance('the operator picks a brand').find(Brand, {}, { fields: ['id', 'name'], orderBy: { name: 'asc' } });
    let status = 200;
    let error: string | undefined;
    const { pool } = this.kernel.numbers;
    const ask = { ...filters, brandId: filters.brand || null, state, page: Number(query.page) || 1, pageSize: 50 };
    const list = await pool.listAcrossBrands(ask).catch((refused: unknown) => {
      if (!(refused instanceof ValidationError)) throw refused;
      error = errorText(this.kernel, request, refused);
      status = 400;
      return pool.listAcrossBrands({ page: 1, pageSize: 50 });
    });
    const pages = Math.max(1, Math.ceil(list.total / list.pageSize));
    const pageUrl = (page: number) => `/operator/numbers?${new URLSearchParams({ ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)), page: String(page) }).toString()}`;
    return sendPage(
      this.kernel,
      request,
      reply,
      'operator-numbers',
      {
        title: say(this.kernel, request, 'numbers:operator.title'),
        error,
        filters,
        brands: brands.map((b) => ({ id: b.id, name: b.name, selected: b.id === filters.brand })),
        states: PHONE_NUMBER_STATES.map((s) => ({ value: s, label: say(this.kernel, request, `numbers:state.${s}`), selected: s === state })),
        countries: SERVED_COUNTRY_CODES.map((c) => ({ value: c, selected: c === filters.country })),
        numbers: list.items.map((n) => ({ ...this.numberData(request, n), brandName: n.brandName })),
        total: list.total,
        pager: { page: list.page, pages, prev: list.page > 1 ? pageUrl(list.page - 1) : null, next: list.page < pages ? pageUrl(list.page + 1) : null },
      },
      status,
    );
  }

  @Get('/admin/numbers')
  async brandNumbers(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandPage(request, reply);
  }

  @Post('/admin/numbers')
  async addNumber(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandAction(request, reply, async (ctx, form) => {
      const added = await this.kernel.numbers.pool.importOne(ctx, { number: str(form.number), country: str(form.country) || null, carrierSid: str(form.carrierSid) || null, label: str(form.label) || null });
      return say(this.kernel, request, 'numbers:admin.added', { number: added.number });
    });
  }

  @Post('/admin/numbers/import')
  async importCsv(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandAction(request, reply, async (ctx, form, upload) => {
      const file = upload?.files.find((f) => f.field === 'file');
      if (!file) throw new ValidationError([{ field: 'file', reason: 'choose a CSV file to upload' }]);
      const outcome = await this.kernel.numbers.imports.start(ctx, file.data, { skipInvalid: form.skipInvalid === '1' || form.skipInvalid === 'on' });
      if (outcome.kind === 'queued') return { redirect: `/admin/numbers?import=${outcome.importId}` };
      const { imported, problems } = outcome.report;
      return problems.length ? say(this.kernel, request, 'numbers:import.doneSkipped', { count: imported, skipped: problems.length }) : say(this.kernel, request, 'numbers:import.done', { count: imported });
    });
  }

  @Post('/admin/numbers/assign-next')
  async assignNext(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandAction(request, reply, async (ctx, form) => {
      const search = { country: str(form.country) || null, areaCode: str(form.areaCode) || null, pattern: str(form.pattern) || null };
      const assigned = await this.kernel.numbers.pool.assign(ctx, str(form.clientId), { search });
      return say(this.kernel, request, 'numbers:admin.assigned', { number: assigned.number, client: assigned.clientName ?? '' });
    });
  }

  @Post('/admin/numbers/:id/assign')
  async assign(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    return this.brandAction(request, reply, async (ctx, form) => {
      const assigned = await this.kernel.numbers.pool.assign(ctx, str(form.clientId), { numberId: id });
      return say(this.kernel, request, 'numbers:admin.assigned', { number: assigned.number, client: assigned.clientName ?? '' });
    });
  }

  @Post('/admin/numbers/:id/release')
  async release(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    return this.brandAction(request, reply, async (ctx) => {
      const released = await this.kernel.numbers.pool.release(ctx, id);
      return say(this.kernel, request, released.state === 'quarantined' ? 'numbers:admin.released' : 'numbers:admin.unreserved', { number: released.number, days: await this.kernel.numbers.pool.quarantineDaysFor(ctx.brandId) });
    });
  }

  /** Deletes a number nobody holds (available or quarantined), once confirmed; the reconciler deletes it in jambonz. */
  @Post('/admin/numbers/:id/delete')
  async deleteNumber(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    return this.brandAction(request, reply, async (ctx, form) => {
      if (form.confirm !== '1' && form.confirm !== 'on') throw new ValidationError([{ field: 'confirm', reason: 'tick the box to confirm the deletion' }]);
      const deleted = await this.kernel.numbers.pool.deleteNumber(ctx, id);
      return say(this.kernel, request, 'numbers:admin.deleted', { number: deleted.number });
    });
  }

  /** The brand's own quarantine (blank: the instance's). */
  @Post('/admin/numbers/quarantine')
  async setQuarantine(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.brandAction(request, reply, async (ctx, form) => {
      const days = await this.kernel.numbers.pool.setQuarantineDays(ctx, form.quarantineDays);
      return say(this.kernel, request, 'numbers:admin.quarantineSaved', { days });
    });
  }

  private async ownQuarantineDays(ctx: TenantContext): Promise<number | null> {
    const brand = await this.kernel.db.forInstance('the brand admin sees the brand\'s quarantine').findOne(Brand, { id: ctx.brandId }, { fields: ['id', 'numberQuarantineDays'] });
    return brand?.numberQuarantineDays ?? null;
  }

  @Post('/admin/numbers/porting/:id')
  async advancePorting(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    return this.brandAction(request, reply, async (ctx, form) => {
      const to = str(form.status);
      if (!['in_progress', 'completed', 'rejected'].includes(to)) throw new ValidationError([{ field: 'status', reason: 'must be in_progress, completed or rejected' }]);
      const moved = await this.kernel.numbers.porting.advance(ctx, id, to as 'in_progress' | 'completed' | 'rejected', str(form.note) || null);
      return say(this.kernel, request, 'numbers:porting.moved', { number: moved.number, status: say(this.kernel, request, `numbers:porting.status.${moved.status}`) });
    });
  }

  @Get('/admin/numbers/porting/:id/documents/:index')
  async brandDocument(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Param('index') index: string) {
    const ctx = this.brandAccess(request);
    if (!ctx) return reply.redirect('/login', 303);
    return this.sendDocument(reply, ctx, id, index);
  }

  private async sendDocument(reply: FastifyReply, ctx: TenantContext, id: string, index: string) {
    if (!/^\d{1,2}$/.test(index)) throw new NotFoundError('document');
    const doc = await this.kernel.numbers.porting.document(ctx, id, Number(index));
    return reply
      .type(doc.contentType)
      .header('content-disposition', `attachment; filename="${doc.fileName}"`)
      .header('content-length', String(doc.bytes))
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(doc.stream);
  }

  // ---- client: /numbers ----

  /** Signed-in owner, staff or brand admin on a client host; staff only read. */
  private clientAccess(request: FastifyRequest): { ctx: TenantContext; clientId: string; manage: boolean } | null {
    const { principal, host } = request.tero;
    if (!principal) return null;
    if (host.kind !== 'client' || !['client_owner', 'client_staff', 'brand_admin'].includes(principal.role)) throw new ForbiddenError();
    return { ctx: tenantContextOf(request.tero), clientId: host.client.id, manage: principal.role !== 'client_staff' };
  }

  private async clientPage(request: FastifyRequest, reply: FastifyReply, extra: PageExtra = {}, status = 200) {
    const access = this.clientAccess(request);
    if (!access) return reply.redirect('/login', 303);
    const { ctx, clientId, manage } = access;
    const [numbers, requests] = await Promise.all([this.kernel.numbers.pool.ofClient(ctx, clientId), this.kernel.numbers.porting.list(ctx)]);
    const values = extra.values ?? {};
    return sendPage(
      this.kernel,
      request,
      reply,
      'client-numbers',
      {
        title: say(this.kernel, request, 'numbers:client.title'),
        error: extra.error,
        notice: extra.notice,
        canManage: manage,
        numbers: numbers.map((n) => this.numberData(request, n)),
        porting: requests.map((p) => this.portingData(request, p, '/numbers')),
        maxDocuments: MAX_DOCUMENTS,
        maxMb: MAX_DOCUMENT_BYTES / 1024 / 1024,
        values: { number: str(values.number), losingCarrier: str(values.losingCarrier), accountNumber: str(values.accountNumber), authorizedName: str(values.authorizedName) },
        statuses: PORTING_STATUSES,
      },
      status,
    );
  }

  private async clientAction(request: FastifyRequest, reply: FastifyReply, act: (ctx: TenantContext, clientId: string, form: Form, upload: MultipartBody | null) => Promise<string>) {
    const access = this.clientAccess(request);
    if (!access) return reply.redirect('/login', 303);
    if (!access.manage) throw new ForbiddenError();
    const { fields, upload } = checkedUpload(this.kernel, request);
    return this.refusable(
      request,
      reply,
      async () => this.clientPage(request, reply, { notice: await act(access.ctx, access.clientId, fields, upload) }),
      (extra, status) => this.clientPage(request, reply, { ...extra, values: fields }, status),
    );
  }

  @Get('/numbers')
  async clientNumbers(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.clientPage(request, reply);
  }

  @Post('/numbers/porting')
  async submitPorting(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.clientAction(request, reply, async (ctx, clientId, form, upload) => {
      const documents = (upload?.files ?? []).filter((f) => f.field === 'documents').map((f) => ({ fileName: f.fileName, data: f.data }));
      const submitted = await this.kernel.numbers.porting.submit(ctx, clientId, { number: form.number, losingCarrier: form.losingCarrier, accountNumber: form.accountNumber || null, authorizedName: form.authorizedName }, documents);
      return say(this.kernel, request, 'numbers:porting.submitted', { number: submitted.number });
    });
  }

  @Post('/numbers/porting/:id/cancel')
  async cancelPorting(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    return this.clientAction(request, reply, async (ctx) => {
      const cancelled = await this.kernel.numbers.porting.cancel(ctx, id);
      return say(this.kernel, request, 'numbers:porting.cancelledNotice', { number: cancelled.number });
    });
  }

  @Get('/numbers/porting/:id/documents/:index')
  async clientDocument(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Param('index') index: string) {
    const access = this.clientAccess(request);
    if (!access) return reply.redirect('/login', 303);
    return this.sendDocument(reply, access.ctx, id, index);
  }
}

import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { type SampleReport, TOTAL_LIMITS, UPLOAD_LIMITS, type VerdictReason, type VoiceView } from '@tero/onboarding';
import type { VoiceSampleRecord } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isMultipartBody } from '../http/multipart-form';
import { ForbiddenError } from '../http/page-errors';
import { tenantContextOf } from '../http/request-context';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { checkedUpload, errorWords, say, sendPage } from '../pages/page-kit';

/** The upload route and the most one request may carry: ten files of at most 25 MB, 60 MB in all (plus the form's own bytes). */
export const VOICE_UPLOAD_LIMITS: Readonly<Record<string, number>> = {
  '/voice/samples': UPLOAD_LIMITS.maxUploadBytes + 64 * 1024,
};

interface PageExtra {
  error?: string;
  notice?: string;
  uploaded?: SampleReport[];
}

/**
 * The client's voice page, `/voice`: upload recordings (or record them in the page), each file's
 * verdict with its reasons, the total, "clone my voice" with its progress (the page polls
 * `/voice/status`), retry, the preview, "use a standard voice", and deletion (the owner's). Client
 * owners (and their brand admin) on the client's host; forms are CSRF-checked like every other.
 */
@Controller()
export class VoicePagesController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  /** The owner (or the brand admin) on a client host; null when nobody is signed in. */
  private access(request: FastifyRequest): { ctx: TenantContext; owner: boolean } | null {
    const { principal, host } = request.tero;
    if (!principal) return null;
    if (host.kind !== 'client' || !['client_owner', 'brand_admin'].includes(principal.role)) throw new ForbiddenError();
    return { ctx: tenantContextOf(request.tero), owner: principal.role === 'client_owner' };
  }

  private wantsJson(request: FastifyRequest): boolean {
    const accept = request.headers.accept ?? '';
    return accept.includes('application/json') && !accept.includes('text/html');
  }

  private reasonText(request: FastifyRequest, reason: VerdictReason): string {
    return say(this.kernel, request, `voices:reason.${reason.code}`, reason.params);
  }

  private seconds(request: FastifyRequest, value: number): string {
    const minutes = Math.floor(value / 60);
    const rest = Math.round(value - minutes * 60);
    return minutes ? say(this.kernel, request, 'voices:duration.minutes', { minutes, seconds: String(rest).padStart(2, '0') }) : say(this.kernel, request, 'voices:duration.seconds', { seconds: rest });
  }

  private sampleData(request: FastifyRequest, sample: VoiceSampleRecord | SampleReport) {
    return {
      id: 'id' in sample ? sample.id : null,
      fileName: sample.fileName,
      duration: this.seconds(request, sample.durationSeconds),
      verdict: sample.verdict,
      verdictLabel: say(this.kernel, request, `voices:verdict.${sample.verdict}`),
      reasons: sample.reasons.map((r) => this.reasonText(request, r)),
    };
  }

  private async page(request: FastifyRequest, reply: FastifyReply, extra: PageExtra = {}, status = 200) {
    const access = this.access(request);
    if (!access) return reply.redirect('/login', 303);
    const view: VoiceView = await this.kernel.voices.view(access.ctx);
    const { state } = view;
    // Kept across the page's own forms (a hidden field), so the way back to the wizard stays.
    const body = request.body;
    const posted = (isMultipartBody(body) ? body.fields : (body ?? {})) as Record<string, unknown>;
    const fromSetup = (request.query as Record<string, unknown> | undefined)?.from === 'setup' || posted.from === 'setup';
    return sendPage(this.kernel, request, reply, 'voice', {
      title: say(this.kernel, request, 'voices:page.title'),
      error: extra.error,
      notice: extra.notice,
      fromSetup,
      status: state.status,
      statusLabel: say(this.kernel, request, `voices:status.${state.status}`),
      progress: state.progress ?? 0,
      failure: state.error ?? null,
      engine: view.engine,
      cloningAvailable: Boolean(view.engine),
      canClone: view.canClone,
      canUpload: ['none', 'samples', 'failed', 'standard'].includes(state.status),
      isCloning: state.status === 'cloning',
      isReady: state.status === 'ready',
      isFailed: state.status === 'failed',
      isStandard: state.status === 'standard',
      hasPreview: view.hasPreview,
      canDelete: access.owner && state.status !== 'none' && state.status !== 'cloning',
      samples: view.samples.map((s) => this.sampleData(request, s)),
      uploaded: extra.uploaded?.map((s) => this.sampleData(request, s)) ?? null,
      total: this.seconds(request, view.total.totalSeconds),
      totalVerdict: view.total.verdict,
      totalReasons: view.total.reasons.map((r) => this.reasonText(request, r)),
      limits: { files: UPLOAD_LIMITS.maxFiles, fileMb: UPLOAD_LIMITS.maxFileBytes / 1024 / 1024, uploadMb: UPLOAD_LIMITS.maxUploadBytes / 1024 / 1024, min: TOTAL_LIMITS.minSeconds, from: TOTAL_LIMITS.recommendedMinSeconds / 60, to: TOTAL_LIMITS.recommendedMaxSeconds / 60 },
    }, status);
  }

  /**
   * Runs a form's action: the page again with a notice, or with the translated reason of a refusal
   * (and its status). JSON callers (the in-page recorder) get `{ state, files?, total? }` or the error.
   */
  private async act(request: FastifyRequest, reply: FastifyReply, action: (ctx: TenantContext, owner: boolean) => Promise<PageExtra & { json?: unknown }>) {
    const access = this.access(request);
    if (!access) return reply.redirect('/login', 303);
    checkedUpload(this.kernel, request).fields;
    try {
      const done = await action(access.ctx, access.owner);
      if (this.wantsJson(request)) return reply.header('cache-control', 'no-store').send({ state: await this.kernel.voices.state(access.ctx), ...((done.json as object) ?? {}) });
      return this.page(request, reply, done);
    } catch (error) {
      if (error instanceof TeroError && (error.options.status ?? 400) < 500 && !this.wantsJson(request)) {
        return this.page(request, reply, { error: errorWords(this.kernel, request, error) }, error.options.status ?? 400);
      }
      throw error;
    }
  }

  @Get('/voice')
  async voicePage(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.page(request, reply);
  }

  /** Where the page's progress bar and the setup wizard look: the state as JSON. */
  @Get('/voice/status')
  async status(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const access = this.access(request);
    if (!access) return reply.code(401).send({ error: { code: 'auth.unauthenticated', message: say(this.kernel, request, 'errors:auth.unauthenticated') } });
    return reply.header('cache-control', 'no-store').send(await this.kernel.voices.state(access.ctx));
  }

  @Post('/voice/samples')
  async upload(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.act(request, reply, async (ctx) => {
      const body = request.body;
      const files = isMultipartBody(body) ? body.files.filter((f) => f.field === 'samples').map((f) => ({ fileName: f.fileName, data: f.data })) : [];
      const report = await this.kernel.voices.addSamples(ctx, files);
      const kept = report.files.filter((f) => f.verdict !== 'refused').length;
      return {
        notice: say(this.kernel, request, 'voices:upload.done', { kept, count: report.files.length }),
        uploaded: report.files,
        json: { files: report.files.map((f) => ({ ...f, reasonsText: f.reasons.map((r) => this.reasonText(request, r)) })), total: report.total },
      };
    });
  }

  @Post('/voice/samples/:id/delete')
  async removeSample(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    return this.act(request, reply, async (ctx) => {
      await this.kernel.voices.removeSample(ctx, id);
      return { notice: say(this.kernel, request, 'voices:sample.removed') };
    });
  }

  @Post('/voice/clone')
  async clone(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.act(request, reply, async (ctx) => {
      await this.kernel.voices.startCloning(ctx);
      return { notice: say(this.kernel, request, 'voices:clone.started') };
    });
  }

  @Post('/voice/retry')
  async retry(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.clone(request, reply);
  }

  @Post('/voice/standard')
  async standard(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.act(request, reply, async (ctx) => {
      await this.kernel.voices.useStandardVoice(ctx);
      return { notice: say(this.kernel, request, 'voices:standard.done') };
    });
  }

  @Post('/voice/delete')
  async deleteVoice(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.act(request, reply, async (ctx, owner) => {
      if (!owner) throw new ForbiddenError();
      await this.kernel.voices.deleteVoice(ctx);
      this.kernel.logger.info({ audit: 'voice.deleted', brandId: ctx.brandId, clientId: ctx.clientId, userId: ctx.userId }, 'a client deleted its cloned voice');
      return { notice: say(this.kernel, request, 'voices:delete.done') };
    });
  }

  /** The cloned voice saying hello, with the content type the vendor gave it. */
  @Get('/voice/preview')
  async preview(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const access = this.access(request);
    if (!access) return reply.redirect('/login', 303);
    const preview = await this.kernel.voices.preview(access.ctx);
    return reply
      .type(preview.contentType)
      .header('content-length', String(preview.size))
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(preview.stream);
  }
}

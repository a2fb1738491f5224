import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { AuthError, type Principal } from '@tero/accounts';
import type { TenantContext } from '@tero/sdk';
import { RecordingNotFoundError, RecordingRangeNotSatisfiableError, type RecordingView } from '@tero/telephony';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiAuthGuard, apiContext } from '../api/api-auth.guard';
import { CsrfError, ForbiddenError } from '../http/page-errors';
import { tenantContextOf } from '../http/request-context';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { parseByteRange } from './byte-range';

type ApiRequest = FastifyRequest & { user: Principal };
type Role = Principal['role'];

/** Who may listen to a client's recordings, and who may delete them. */
const LISTENERS: readonly Role[] = ['brand_admin', 'client_owner', 'client_staff'];
const DELETERS: readonly Role[] = ['brand_admin', 'client_owner'];

const recordingJson = (r: RecordingView) => ({
  id: r.id,
  callId: r.callId,
  status: r.status,
  sampleRate: r.sampleRate,
  channels: r.channels,
  bytes: r.bytes,
  durationMs: r.durationMs,
  startedAt: r.startedAt.toISOString(),
  endedAt: r.endedAt?.toISOString() ?? null,
  expiresAt: r.expiresAt?.toISOString() ?? null,
});

/**
 * Sends a call's recording as `audio/wav`: the one named by `?id=` (it must be the call's), else the
 * call's first finished one; a `Range` of bytes answers 206 (players seek with it), a range outside the
 * file 416.
 */
async function sendRecording(kernel: Kernel, ctx: TenantContext, callId: string, id: string | undefined, request: FastifyRequest, reply: FastifyReply) {
  const recordings = kernel.recordings.service;
  const list = await recordings.listForCall(ctx, callId);
  const chosen = id === undefined ? (list.find((r) => r.status !== 'recording') ?? list[0]) : list.find((r) => r.id === id);
  if (!chosen) throw new RecordingNotFoundError();
  const range = parseByteRange(request.headers.range);
  let opened;
  try {
    opened = await recordings.open(ctx, chosen.id, range ?? undefined);
  } catch (error) {
    if (error instanceof RecordingRangeNotSatisfiableError) void reply.header('content-range', `bytes */${error.params.size}`);
    throw error;
  }
  const length = opened.range ? opened.range.end - opened.range.start + 1 : opened.size;
  void reply
    .code(opened.range ? 206 : 200)
    .header('content-type', opened.contentType)
    .header('content-length', String(length))
    .header('accept-ranges', 'bytes')
    .header('cache-control', 'private, no-store')
    .header('content-disposition', `inline; filename="call-${callId}-${chosen.id}.wav"`);
  if (opened.range) void reply.header('content-range', `bytes ${opened.range.start}-${opened.range.end}/${opened.size}`);
  return reply.send(opened.stream);
}

/**
 * A call's recordings through the client's API (bearer token): the list, the WAV, and deletion on
 * request. Another client's call answers 404.
 */
@Controller('/api/v1/calls/:callId')
@UseGuards(ApiAuthGuard)
export class RecordingsApiController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  @Get('/recordings')
  async list(@Req() request: ApiRequest, @Param('callId') callId: string) {
    allow(request.user, LISTENERS);
    return { items: (await this.kernel.recordings.service.listForCall(apiContext(request), callId)).map(recordingJson) };
  }

  @Get('/recording')
  async play(@Req() request: ApiRequest, @Res() reply: FastifyReply, @Param('callId') callId: string, @Query('id') id?: string) {
    allow(request.user, LISTENERS);
    return sendRecording(this.kernel, apiContext(request), callId, id, request, reply);
  }

  /** Deletes every recording of the call (204, also when none is left). */
  @Delete('/recording')
  @HttpCode(204)
  async remove(@Req() request: ApiRequest, @Param('callId') callId: string): Promise<void> {
    allow(request.user, DELETERS);
    await this.kernel.recordings.service.deleteForCall(apiContext(request), callId);
  }
}

/**
 * The same for the dashboard's session on a client's host: `GET /calls/:callId/recording` plays it
 * (an `<audio>` element's source), `DELETE` deletes it (CSRF token in `x-csrf-token`), and a form may
 * `POST /calls/:callId/recording/delete` (CSRF in `_csrf`), which returns to the dashboard.
 */
@Controller('/calls/:callId')
export class RecordingsPagesController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  @Get('/recording')
  async play(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('callId') callId: string, @Query('id') id?: string) {
    const ctx = this.access(request, LISTENERS);
    return sendRecording(this.kernel, ctx, callId, id, request, reply);
  }

  @Delete('/recording')
  @HttpCode(204)
  async remove(@Req() request: FastifyRequest, @Param('callId') callId: string): Promise<void> {
    const ctx = this.access(request, DELETERS);
    this.checkCsrf(request, request.headers['x-csrf-token']);
    await this.kernel.recordings.service.deleteForCall(ctx, callId);
  }

  @Post('/recording/delete')
  async removeByForm(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('callId') callId: string) {
    const ctx = this.access(request, DELETERS);
    this.checkCsrf(request, ((request.body ?? {}) as Record<string, unknown>)._csrf);
    await this.kernel.recordings.service.deleteForCall(ctx, callId);
    return reply.redirect('/dashboard', 303);
  }

  /** A signed-in user of this client's host (or its brand's admin) with one of `roles`. */
  private access(request: FastifyRequest, roles: readonly Role[]): TenantContext {
    const { principal, host } = request.tero;
    if (!principal) throw new AuthError('auth.unauthenticated', 'sign in to reach recordings');
    if (host.kind !== 'client' || !roles.includes(principal.role)) throw new ForbiddenError();
    return tenantContextOf(request.tero);
  }

  private checkCsrf(request: FastifyRequest, token: unknown): void {
    if (!this.kernel.csrf.verify(request.tero.csrfSecret, typeof token === 'string' ? token : undefined)) throw new CsrfError();
  }
}

function allow(principal: Principal, roles: readonly Role[]): void {
  if (!roles.includes(principal.role)) throw new ForbiddenError();
}

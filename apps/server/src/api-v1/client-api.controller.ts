import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { parseQuery } from '@tero/analytics';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { apiKeyAccess } from './api-key.access';
import { apiBaseUrl } from './api-base-url';
import { clientSummary } from './client-summary';
import { openApiDocument, SUMMARY_PARAMETERS } from './openapi.document';

/**
 * The client API (`/api/v1`, bearer API keys): calls with their transcripts, bookings, messages and the
 * summary figures, each route behind its scope and the key's rate limit, every read in the key's client.
 * Its OpenAPI document is public: it describes the API, not anyone's data.
 */
@Controller('/api/v1')
export class ClientApiController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  @Get('/openapi.json')
  openapi(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return reply.header('cache-control', 'public, max-age=300').type('application/json; charset=utf-8').send(openApiDocument(apiBaseUrl(request)));
  }

  @Get('/calls')
  async calls(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Query() query: unknown) {
    const { ctx } = await apiKeyAccess(this.kernel, request, reply, 'calls:read');
    return this.kernel.clientApi.calls(ctx, query);
  }

  @Get('/calls/:id')
  async call(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('id') id: string, @Query() query: unknown) {
    const { ctx } = await apiKeyAccess(this.kernel, request, reply, 'calls:read');
    parseQuery(query, {});
    return this.kernel.clientApi.call(ctx, id);
  }

  @Get('/calls/:id/turns')
  async turns(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('id') id: string, @Query() query: unknown) {
    const { ctx } = await apiKeyAccess(this.kernel, request, reply, 'calls:read');
    parseQuery(query, {});
    return this.kernel.clientApi.turns(ctx, id);
  }

  @Get('/bookings')
  async bookings(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Query() query: unknown) {
    const { ctx } = await apiKeyAccess(this.kernel, request, reply, 'bookings:read');
    return this.kernel.clientApi.bookings(ctx, query);
  }

  @Get('/messages')
  async messages(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Query() query: unknown) {
    const { ctx } = await apiKeyAccess(this.kernel, request, reply, 'messages:read');
    return this.kernel.clientApi.messages(ctx, query);
  }

  @Get('/analytics/summary')
  async summary(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Query() query: unknown) {
    const { ctx } = await apiKeyAccess(this.kernel, request, reply, 'analytics:read');
    return clientSummary(this.kernel, ctx, parseQuery(query, SUMMARY_PARAMETERS));
  }
}

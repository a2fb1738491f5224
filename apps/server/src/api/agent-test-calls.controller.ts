import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { Principal } from '@tero/accounts';
import { TeroError } from '@tero/sdk';
import type { TestCallView } from '@tero/telephony';
import type { FastifyRequest } from 'fastify';
import { ApiAuthGuard, apiContext } from './api-auth.guard';
import { AgentTestCallsHost } from './agent-test-calls.host';

type ApiRequest = FastifyRequest & { user: Principal };

/** Roles that may talk to a business's agent: its own people. */
const ROLES: readonly Principal['role'][] = ['client_owner', 'client_staff'];

/**
 * "Talk to your agent": the dashboard's typed calls to the business's own agent, played through our
 * real jambonz hooks (see `AgentTestCalls`). Start a call (`{ number?, from?, routing? }`: `routing` picks
 * how a transfer, the queue or a staff phone's dequeue turn out, see `TestCallRouting`), send turns (`{ text }`, `{ silence: true }`
 * or `{ digits }`), read it, hang up; each answer is `{ id, transcript, ended, awaiting, … }` once the
 * agent listens again. Only the business's owner and staff; another business's call is 404. The calls
 * live in the memory of the server process that started them.
 */
@Controller('/api/v1/agent/test-calls')
@UseGuards(ApiAuthGuard)
export class AgentTestCallsController {
  constructor(@Inject(AgentTestCallsHost) private readonly host: AgentTestCallsHost) {}

  @Post()
  @HttpCode(201)
  async start(@Req() request: ApiRequest, @Body() body: unknown): Promise<TestCallView> {
    const ctx = contextOf(request);
    await this.host.admit(ctx);
    return this.host.calls.start(ctx, body ?? {});
  }

  @Get('/:id')
  get(@Req() request: ApiRequest, @Param('id') id: string): TestCallView {
    return this.host.calls.get(contextOf(request), id);
  }

  @Post('/:id/turns')
  @HttpCode(200)
  async turn(@Req() request: ApiRequest, @Param('id') id: string, @Body() body: unknown): Promise<TestCallView> {
    const ctx = contextOf(request);
    await this.host.admit(ctx);
    return this.host.calls.turn(ctx, id, body);
  }

  @Delete('/:id')
  hangUp(@Req() request: ApiRequest, @Param('id') id: string): Promise<TestCallView> {
    return this.host.calls.hangUp(contextOf(request), id);
  }
}

/** The business the caller acts for; 403 for anyone but its owner and staff. */
function contextOf(request: ApiRequest) {
  if (!ROLES.includes(request.user.role)) throw new TeroError('auth.forbidden', `this needs the role ${ROLES.join(' or ')}`, { need: ROLES.join(' or ') }, { status: 403 });
  return apiContext(request);
}

import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AgentTestCalls, TestCallMarker } from '@tero/telephony';
import type { TenantContext } from '@tero/sdk';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { admitSpend } from '../http/spend-limits';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { inProcessFetch } from './agent-test-calls.in-process-fetch';

/** The origin the in-process simulator addresses our hooks at; requests never leave the process. */
const IN_PROCESS_ORIGIN = 'http://tero.in-process';

/**
 * This process's "talk to your agent" calls: the simulator reaches our jambonz hooks through the
 * server's own HTTP stack, in-process, signing as the client's jambonz account would. The calls still
 * live are hung up (and so recorded as ended) before the HTTP server stops.
 */
@Injectable()
export class AgentTestCallsHost implements BeforeApplicationShutdown {
  readonly calls: AgentTestCalls;

  constructor(@Inject(KERNEL) private readonly kernel: Kernel, adapterHost: HttpAdapterHost) {
    this.calls = new AgentTestCalls({
      db: kernel.db,
      directory: kernel.telephony.directory,
      marker: new TestCallMarker(kernel.keyring),
      signatures: kernel.config.JAMBONZ_SIGNATURES,
      hooks: { baseUrl: IN_PROCESS_ORIGIN, fetch: inProcessFetch(IN_PROCESS_ORIGIN, () => adapterHost.httpAdapter.getInstance<FastifyInstance>()) },
      logger: kernel.logger.child({ part: 'test-calls' }),
    });
  }

  /**
   * Counts a start or a turn (each an answer of the agent, maybe a paid LLM's) against the client's
   * TEST_CALL_RATE_LIMIT; over it, 429 before the call moves. Reading or hanging up costs nothing and is never counted.
   */
  admit(ctx: TenantContext, reply?: FastifyReply): Promise<void> {
    return admitSpend(this.kernel, ctx, 'test_call', reply);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.calls.close();
  }
}

import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';

/** Liveness (the process answers) and readiness (database, Redis when configured, plugins loaded). */
@Controller()
export class HealthController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  @Get('/healthz')
  alive() {
    return { status: 'ok' };
  }

  @Get('/readyz')
  async ready(@Res() reply: FastifyReply) {
    const checks: Record<string, string> = {};
    const attempt = async (name: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
        checks[name] = 'ok';
      } catch (error) {
        checks[name] = `failed: ${(error as Error).message}`;
      }
    };
    await attempt('database', () => this.kernel.db.ping());
    if (this.kernel.redis) await attempt('redis', () => this.kernel.redis!.ping());
    checks.plugins = `${this.kernel.plugins.plugins.length} loaded`;
    const ok = Object.values(checks).every((v) => !v.startsWith('failed'));
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  }
}

import type { FastifyRequest } from 'fastify';
import type { Kernel } from '../kernel';

/** `scheme://host[:port]` of `host` (by default the request's) as browsers reach it: PUBLIC_URL's port is added when the host names none. */
export function originOf(kernel: Pick<Kernel, 'config'>, request: FastifyRequest, host: string = request.headers.host ?? ''): string {
  const port = new URL(kernel.config.PUBLIC_URL).port;
  return `${request.protocol}://${host}${port && !host.includes(':') ? `:${port}` : ''}`;
}

import type { FastifyRequest } from 'fastify';

/** `https://<the address asked>/api/v1`: what the document and the curl examples point at (the host was resolved to a tenant already). */
export function apiBaseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? 'localhost'}/api/v1`;
}

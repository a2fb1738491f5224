import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import { ValidationError } from '@tero/accounts';
import { TeroError } from '@tero/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kernel } from '../kernel';
import { renderPage } from '../pages/render';

/** Fastify's own errors that have a message of ours; any other 4xx from Fastify is `http.bad_request`. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'http.payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'http.unsupported_media_type',
};

const fastifyCode = (error: { code: string }) => FASTIFY_CODES[error.code] ?? 'http.bad_request';

/** An error Fastify raised about the request itself (`FST_ERR_…` with a 4xx `statusCode`), not a failure of ours. */
export function isFastifyClientError(error: unknown): error is Error & { code: string; statusCode: number } {
  if (!(error instanceof Error)) return false;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  return typeof code === 'string' && code.startsWith('FST_') && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500;
}

/**
 * Every error leaves as a clear answer: API callers get `{ error: { code, message, fields? } }` with
 * a 4xx for bad input (the field and the reason), pages get the themed error page. Unknown errors are
 * logged and answered 500 without internals. Fastify's errors about the request (too large, a content
 * type not taken) keep their 4xx status.
 */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  constructor(private readonly kernel: Kernel) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let status = 500;
    let code = 'internal';
    let message = 'internal error';
    let fields: { field: string; reason: string }[] | undefined;
    if (error instanceof TeroError) {
      status = error.options.status ?? 400;
      code = error.code;
      message = error.message;
      if (error instanceof ValidationError) fields = error.problems;
    } else if (error instanceof HttpException) {
      status = error.getStatus();
      // Nest's Fastify adapter wraps Fastify's own 4xx errors; they get our code and a translated message.
      code = isFastifyClientError(error.cause) ? fastifyCode(error.cause) : status === 404 ? 'not_found' : `http.${status}`;
      message = error.message;
    } else if (isFastifyClientError(error)) {
      // Raised by Fastify before any controller runs (a body over the limit, a content type no route
      // takes) and not wrapped: its status is kept, never a 500.
      status = error.statusCode;
      code = fastifyCode(error);
      message = error.message;
    }
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      this.kernel.metrics.countError('http');
    }
    const locale = request.tero?.locale ?? 'en';
    const translated = this.kernel.i18n.exists(`errors:${code}`, { lng: locale }) && !fields
      ? this.kernel.i18n.t(`errors:${code}`, { lng: locale, ...(error instanceof TeroError ? error.params : {}) })
      : message;
    if (status === 429 && error instanceof TeroError) reply.header('retry-after', String(error.params.retryAfterSeconds ?? 60));
    const wantsPage = !request.url.startsWith('/api/') && (request.headers.accept ?? '').includes('text/html') && request.tero;
    if (wantsPage) {
      const pageMessage = status >= 500 ? this.kernel.i18n.t('ui:error.internal', { lng: locale }) : translated;
      void reply.code(status).type('text/html').send(renderPage(this.kernel, request, 'error', { status, message: pageMessage }));
      return;
    }
    void reply.code(status).send({ error: { code, message: status >= 500 ? 'internal error' : translated, ...(fields ? { fields } : {}) } });
  }
}

import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import { ValidationError } from '@tero/accounts';
import { TeroError } from '@tero/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kernel } from '../kernel';
import { renderPage } from '../pages/render';

/**
 * Every error leaves as a clear answer: API callers get `{ error: { code, message, fields? } }` with
 * a 4xx for bad input (the field and the reason), pages get the themed error page. Unknown errors are
 * logged and answered 500 without internals.
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
      code = status === 404 ? 'not_found' : `http.${status}`;
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

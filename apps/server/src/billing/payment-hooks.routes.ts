import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PaymentWebhookService } from '@tero/billing';
import { TeroError } from '@tero/sdk';
import type { Logger } from 'pino';

/** Largest payment webhook accepted. Stripe's and PayPal's events are a few KiB; 512 KiB leaves room. */
export const PAYMENT_HOOK_BODY_LIMIT = 512 * 1024;

/** Provider path segments and the plugin each names. */
export const PAYMENT_HOOK_PROVIDERS: Readonly<Record<string, string>> = { stripe: 'payment-stripe', paypal: 'payment-paypal' };

/**
 * `POST /hooks/payments/:provider/:brand`: a payment vendor's webhook for one brand's account. The exact
 * bytes are kept (signatures are over them); the service verifies, stores each event once by its id and
 * applies it. Answers: 200 with what happened (also for a duplicate or an unknown event type, so the
 * vendor stops retrying), 400 for a signature that does not verify (nothing changes), 404 for an unknown
 * provider or brand. Vendors call from no tenant's host, so no session, cookie or CSRF applies.
 */
export function paymentHookRoutes(webhooks: PaymentWebhookService, logger: Logger) {
  return async function register(fastify: FastifyInstance): Promise<void> {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: PAYMENT_HOOK_BODY_LIMIT }, (_request: FastifyRequest, body: Buffer | string, done: (error: Error | null, body?: Buffer) => void) => {
      done(null, typeof body === 'string' ? Buffer.from(body) : body);
    });
    fastify.setErrorHandler((error: FastifyError | TeroError, _request: FastifyRequest, reply: FastifyReply) => {
      if (error instanceof TeroError) {
        const status = error.options.status ?? 400;
        if (status >= 500) logger.error({ err: error }, 'payment webhook failed');
        else logger.warn({ code: error.code, reason: error.message }, 'payment webhook refused');
        return reply.code(status).type('application/json; charset=utf-8').send({ error: { code: error.code, message: status >= 500 ? 'internal error' : error.message } });
      }
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      if (status === 500) logger.error({ err: error }, 'payment webhook failed');
      const code = status === 413 ? 'payment.body_too_large' : status === 500 ? 'internal' : 'payment.bad_request';
      return reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message: status === 500 ? 'internal error' : error.message } });
    });
    fastify.post<{ Params: { provider: string; brand: string } }>('/hooks/payments/:provider/:brand', { bodyLimit: PAYMENT_HOOK_BODY_LIMIT }, async (request, reply) => {
      const pluginId = PAYMENT_HOOK_PROVIDERS[request.params.provider];
      if (!pluginId) {
        return reply.code(404).send({ error: { code: 'billing.provider_unknown', message: `no payment provider "${request.params.provider}"` } });
      }
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      const summary = await webhooks.receive({
        provider: pluginId,
        brandSlug: request.params.brand,
        rawBody: (request.body as Buffer | undefined) ?? Buffer.alloc(0),
        headers,
      });
      return reply.code(200).type('application/json; charset=utf-8').send({ received: true, ...summary });
    });
  };
}

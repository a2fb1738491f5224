import { HOOK_PATHS, type HookKind, type JambonzHooks, SIGNATURE_HEADER } from '@tero/telephony';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Largest hook body accepted; jambonz's largest (the first hook, with the whole INVITE) is a few KiB. */
export const HOOK_BODY_LIMIT = 256 * 1024;

/** What the hooks' body parser hands the routes: the exact bytes (what the signature covers) and their JSON. */
interface RawHookBody {
  raw: Buffer;
  /** `undefined` when the bytes are not JSON. */
  json: unknown;
}

const EMPTY = Buffer.alloc(0);

/**
 * `POST /hooks/jambonz/{call,turn,status,dial,voicemail}` as plain Fastify routes in their own
 * encapsulated context: its body parser keeps the raw bytes for the signature and limits their size
 * (413 beyond {@link HOOK_BODY_LIMIT}); nothing of the pages' request pipeline (host → tenant, session,
 * CSRF, per-request logging) runs, since jambonz calls from no tenant's host and the path is hot.
 */
export function jambonzHookRoutes(hooks: JambonzHooks) {
  return async function register(fastify: FastifyInstance): Promise<void> {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: HOOK_BODY_LIMIT }, (_request: FastifyRequest, body: Buffer | string, done: (error: Error | null, body?: RawHookBody) => void) => {
      const raw = typeof body === 'string' ? Buffer.from(body) : body;
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        json = undefined;
      }
      done(null, { raw, json });
    });

    fastify.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      if (status === 500) request.log.error({ err: error }, 'jambonz hook failed');
      const code = status === 413 ? 'jambonz.body_too_large' : status === 500 ? 'internal' : 'jambonz.bad_request';
      const message = status === 413 ? `the body is larger than ${HOOK_BODY_LIMIT} bytes` : status === 500 ? 'internal error' : error.message;
      void reply.code(status).type('application/json').send({ error: { code, message } });
    });

    for (const kind of Object.keys(HOOK_PATHS) as HookKind[]) {
      fastify.post(HOOK_PATHS[kind], { bodyLimit: HOOK_BODY_LIMIT, logLevel: 'warn' }, async (request, reply) => {
        const body = request.body as RawHookBody | undefined;
        const result = await hooks.handle({
          kind,
          rawBody: body?.raw ?? EMPTY,
          body: body?.json,
          signature: request.headers[SIGNATURE_HEADER],
        });
        return reply.code(result.status).type('application/json').send(result.body);
      });
    }
  };
}

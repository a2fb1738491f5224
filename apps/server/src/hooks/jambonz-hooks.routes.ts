import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Metrics } from '@tero/core';
import { HOOK_PATHS, type HookKind, type HookReply, type JambonzHooks, SIGNATURE_HEADER } from '@tero/telephony';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';

/** Largest hook body accepted; jambonz's largest (the first hook, with the whole INVITE) is a few KiB. */
export const HOOK_BODY_LIMIT = 256 * 1024;

const KIND_OF_PATH = new Map<string, HookKind>(Object.entries(HOOK_PATHS).map(([kind, path]) => [path, kind as HookKind]));
const EMPTY = Buffer.alloc(0);

/** Answers one request if it is a jambonz hook (`POST /hooks/jambonz/<kind>`); false leaves it to the application. */
export type HookDispatcher = (request: IncomingMessage, response: ServerResponse) => boolean;

/**
 * `POST /hooks/jambonz/{call,turn,status,dial,voicemail}`, answered on Node's HTTP server before Fastify
 * and Nest see the request: jambonz calls from no tenant's host, so nothing of the application's request
 * pipeline (host → tenant, cookies, session, CSRF, request ids, per-request logging, routing) applies,
 * and on the hottest path of the product that pipeline cost more than verifying and answering the hook.
 * The exact bytes are kept for the signature; a body beyond {@link HOOK_BODY_LIMIT} gets 413 unread.
 * Anything else (another method or path) goes on to Fastify as before. With `metrics`, each hook's time
 * from arrival to answer is observed once (`tero_jambonz_hook_duration_seconds`), and a hook that fails
 * counts as an error of area `jambonz_hook`.
 */
export function jambonzHookDispatcher(hooks: JambonzHooks, logger: Logger, metrics?: Metrics): HookDispatcher {
  return (request, response) => {
    if (request.method !== 'POST') return false;
    const url = request.url ?? '';
    const query = url.indexOf('?');
    const kind = KIND_OF_PATH.get(query < 0 ? url : url.slice(0, query));
    if (!kind) return false;
    const startedAt = metrics ? process.hrtime.bigint() : 0n;
    const declared = Number(request.headers['content-length']);
    if (declared > HOOK_BODY_LIMIT) {
      refuseTooLarge(request, response);
      metrics?.observeHook(kind, 413, startedAt);
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > HOOK_BODY_LIMIT) {
        if (!response.headersSent) {
          refuseTooLarge(request, response);
          metrics?.observeHook(kind, 413, startedAt);
        }
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > HOOK_BODY_LIMIT) return;
      const raw = chunks.length === 1 ? chunks[0]! : chunks.length === 0 ? EMPTY : Buffer.concat(chunks, size);
      answer(hooks, logger, kind, raw, request, response, metrics, startedAt);
    });
    request.on('error', () => undefined);
    return true;
  };
}

type HookAnswer = { status: number; body: HookReply['body'] | { error: { code: string; message: string } } };

/** One hook request, from its exact bytes to the status and body to send back. Never rejects. */
function hookAnswer(hooks: JambonzHooks, logger: Logger, kind: HookKind, raw: Buffer, signature: string | string[] | undefined, metrics?: Metrics): Promise<HookAnswer> {
  let body: unknown;
  try {
    body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
  } catch {
    body = undefined;
  }
  return hooks.handle({ kind, rawBody: raw, body, signature }).catch((error: unknown) => {
    logger.error({ err: error, hook: kind }, 'jambonz hook failed');
    metrics?.countError('jambonz_hook');
    return { status: 500, body: { error: { code: 'internal', message: 'internal error' } } };
  });
}

function answer(hooks: JambonzHooks, logger: Logger, kind: HookKind, raw: Buffer, request: IncomingMessage, response: ServerResponse, metrics: Metrics | undefined, startedAt: bigint): void {
  void hookAnswer(hooks, logger, kind, raw, request.headers[SIGNATURE_HEADER], metrics).then((reply) => {
    send(response, reply.status, reply.body);
    metrics?.observeHook(kind, reply.status, startedAt);
  });
}

function send(response: ServerResponse, status: number, body: HookAnswer['body']): void {
  if (response.headersSent || response.destroyed) return;
  const json = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  response.end(json);
}

function refuseTooLarge(request: IncomingMessage, response: ServerResponse): void {
  // The rest of the body is not read: the connection closes once the answer is out.
  response.setHeader('connection', 'close');
  send(response, 413, { error: { code: 'jambonz.body_too_large', message: `the body is larger than ${HOOK_BODY_LIMIT} bytes` } });
  request.resume();
}

/**
 * The same hooks as Fastify routes, in their own context (raw bytes kept, 413 beyond the limit), for
 * requests that never cross the HTTP server: Fastify's `inject`, which the server uses to call its own
 * hooks in-process ("talk to your agent"). Requests from the network are answered by
 * {@link jambonzHookDispatcher} before they reach these.
 */
export function jambonzHookRoutes(hooks: JambonzHooks, logger: Logger, metrics?: Metrics) {
  return async function register(fastify: FastifyInstance): Promise<void> {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: HOOK_BODY_LIMIT }, (_request: FastifyRequest, body: Buffer | string, done: (error: Error | null, body?: Buffer) => void) => {
      done(null, typeof body === 'string' ? Buffer.from(body) : body);
    });
    fastify.setErrorHandler((error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const tooLarge = error.statusCode === 413;
      const status = tooLarge ? 413 : error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      if (status === 500) logger.error({ err: error }, 'jambonz hook failed');
      const code = tooLarge ? 'jambonz.body_too_large' : status === 500 ? 'internal' : 'jambonz.bad_request';
      const message = tooLarge ? `the body is larger than ${HOOK_BODY_LIMIT} bytes` : status === 500 ? 'internal error' : error.message;
      void reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message } });
    });
    for (const [path, kind] of KIND_OF_PATH) {
      fastify.post(path, { bodyLimit: HOOK_BODY_LIMIT, logLevel: 'warn' }, async (request, reply) => {
        const startedAt = metrics ? process.hrtime.bigint() : 0n;
        const answered = await hookAnswer(hooks, logger, kind, (request.body as Buffer | undefined) ?? EMPTY, request.headers[SIGNATURE_HEADER], metrics);
        metrics?.observeHook(kind, answered.status, startedAt);
        return reply.code(answered.status).type('application/json; charset=utf-8').send(answered.body);
      });
    }
  };
}

/**
 * Fastify's `serverFactory`: the HTTP server Fastify would create, with the same timeouts, whose requests
 * go to {@link jambonzHookDispatcher} first and to Fastify otherwise.
 */
export function serverWithHooks(dispatch: HookDispatcher) {
  return (handler: (request: IncomingMessage, response: ServerResponse) => void, options: FastifyServerOptions): Server => {
    const server = createServer((request, response) => {
      if (!dispatch(request, response)) handler(request, response);
    });
    if (options.keepAliveTimeout) server.keepAliveTimeout = options.keepAliveTimeout;
    if (options.requestTimeout) server.requestTimeout = options.requestTimeout;
    if (options.connectionTimeout) server.setTimeout(options.connectionTimeout);
    return server;
  };
}

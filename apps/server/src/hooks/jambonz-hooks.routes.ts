import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { HOOK_PATHS, type HookKind, type HookReply, type JambonzHooks, SIGNATURE_HEADER } from '@tero/telephony';
import type { FastifyServerOptions } from 'fastify';
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
 * Anything else (another method or path) goes on to Fastify as before.
 */
export function jambonzHookDispatcher(hooks: JambonzHooks, logger: Logger): HookDispatcher {
  return (request, response) => {
    if (request.method !== 'POST') return false;
    const url = request.url ?? '';
    const query = url.indexOf('?');
    const kind = KIND_OF_PATH.get(query < 0 ? url : url.slice(0, query));
    if (!kind) return false;
    const declared = Number(request.headers['content-length']);
    if (declared > HOOK_BODY_LIMIT) {
      refuseTooLarge(request, response);
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > HOOK_BODY_LIMIT) {
        if (!response.headersSent) refuseTooLarge(request, response);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > HOOK_BODY_LIMIT) return;
      const raw = chunks.length === 1 ? chunks[0]! : chunks.length === 0 ? EMPTY : Buffer.concat(chunks, size);
      answer(hooks, logger, kind, raw, request, response);
    });
    request.on('error', () => undefined);
    return true;
  };
}

function answer(hooks: JambonzHooks, logger: Logger, kind: HookKind, raw: Buffer, request: IncomingMessage, response: ServerResponse): void {
  let body: unknown;
  try {
    body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
  } catch {
    body = undefined;
  }
  hooks.handle({ kind, rawBody: raw, body, signature: request.headers[SIGNATURE_HEADER] }).then(
    (reply) => send(response, reply.status, reply.body),
    (error: unknown) => {
      logger.error({ err: error, hook: kind }, 'jambonz hook failed');
      send(response, 500, { error: { code: 'internal', message: 'internal error' } });
    },
  );
}

function send(response: ServerResponse, status: number, body: HookReply['body'] | { error: { code: string; message: string } }): void {
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

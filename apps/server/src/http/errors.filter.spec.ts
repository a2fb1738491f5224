import { join } from 'node:path';
import { type ArgumentsHost, HttpException } from '@nestjs/common';
import { createI18n } from '@tero/core';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Kernel } from '../kernel';
import { ErrorsFilter, isFastifyClientError } from './errors.filter';

/** A Fastify app whose error handler is the filter, as Nest wires it: Fastify's own errors reach it before any route. */
async function appWithFilter(): Promise<{ app: FastifyInstance; errors: unknown[] }> {
  const i18n = await createI18n(join(__dirname, '../../../../locales'));
  const errors: unknown[] = [];
  const kernel = { i18n, metrics: { countError: (what: string) => errors.push(what) } } as unknown as Kernel;
  const filter = new ErrorsFilter(kernel);
  const app = Fastify({ bodyLimit: 1024 });
  app.decorateRequest('tero', null as never);
  app.addHook('onRequest', async (request) => {
    (request as unknown as { tero: unknown }).tero = { locale: (request.headers['accept-language'] as string | undefined) ?? 'en' };
  });
  app.post('/form', async () => ({ ok: true }));
  app.get('/boom', async () => {
    throw Object.assign(new Error('secret detail'), { statusCode: 404 });
  });
  app.setErrorHandler((error, request, reply) => {
    filter.catch(error, { switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }) } as unknown as ArgumentsHost);
  });
  await app.ready();
  return { app, errors };
}

describe('ErrorsFilter and errors raised by Fastify before a controller', () => {
  it('answers a body over the limit 413 with a translated message, not 500', async () => {
    const { app, errors } = await appWithFilter();
    const res = await app.inject({ method: 'POST', url: '/form', headers: { 'content-type': 'application/json', 'accept-language': 'fr' }, payload: JSON.stringify({ pad: 'x'.repeat(4096) }) });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: { code: 'http.payload_too_large', message: 'La requête est trop volumineuse.' } });
    expect(errors).toEqual([]);
    await app.close();
  });

  it('answers a content type no route takes 415', async () => {
    const { app } = await appWithFilter();
    const res = await app.inject({ method: 'POST', url: '/form', headers: { 'content-type': 'application/x-unknown' }, payload: 'abc' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error).toEqual({ code: 'http.unsupported_media_type', message: 'This kind of content is not accepted here.' });
    await app.close();
  });

  it('answers malformed JSON 400', async () => {
    const { app } = await appWithFilter();
    const res = await app.inject({ method: 'POST', url: '/form', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('http.bad_request');
    await app.close();
  });

  it('translates Fastify’s errors as Nest’s adapter hands them over (an HttpException with the error as its cause)', async () => {
    const i18n = await createI18n(join(__dirname, '../../../../locales'));
    const filter = new ErrorsFilter({ i18n, metrics: { countError: () => undefined } } as unknown as Kernel);
    const cause = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    let sent: { status?: number; body?: unknown } = {};
    const reply = { code: (status: number) => ({ send: (body: unknown) => (sent = { status, body }) }), header: () => reply };
    const request = { url: '/voice/samples', headers: { accept: 'application/json' }, tero: { locale: 'es' }, log: { error: () => undefined } };
    filter.catch(new HttpException('Request body is too large', 413, { cause }), { switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }) } as unknown as ArgumentsHost);
    expect(sent).toEqual({ status: 413, body: { error: { code: 'http.payload_too_large', message: 'La solicitud es demasiado grande.' } } });
  });

  it('still answers an unknown error 500 without its details', async () => {
    const { app, errors } = await appWithFilter();
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json().error).toEqual({ code: 'internal', message: 'internal error' });
    expect(errors).toEqual(['http']);
    await app.close();
  });

  it('takes only FST_ errors with a 4xx status for the request’s fault', () => {
    expect(isFastifyClientError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }))).toBe(true);
    expect(isFastifyClientError(Object.assign(new Error('x'), { code: 'FST_ERR_SOMETHING', statusCode: 500 }))).toBe(false);
    expect(isFastifyClientError(Object.assign(new Error('x'), { code: 'ECONNRESET', statusCode: 400 }))).toBe(false);
    expect(isFastifyClientError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })).toBe(false);
  });
});

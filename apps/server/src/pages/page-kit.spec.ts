import { join } from 'node:path';
import { CsrfTokens, ValidationError } from '@tero/accounts';
import { ThemeRenderer, createI18n } from '@tero/core';
import { TeroError } from '@tero/sdk';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { MultipartBody } from '../http/multipart-form';
import type { Kernel } from '../kernel';
import { checkedForm, checkedUpload, errorText, errorWords, localTime, originOf, say, sendPage, utcTime } from './page-kit';

const root = join(__dirname, '../../../..');
const SECRET = 'browser-secret';

/** The parts of the kernel the kit reads, real: the locales, the themes, the CSRF tokens, PUBLIC_URL. */
async function kernelFor(publicUrl = 'http://localhost:3000'): Promise<Kernel> {
  const i18n = await createI18n(join(root, 'locales'));
  return { i18n, views: ThemeRenderer.load(join(root, 'themes'), i18n), csrf: new CsrfTokens('a-long-enough-app-secret-for-tests'), config: { PUBLIC_URL: publicUrl } } as unknown as Kernel;
}

/** A Fastify app on the instance host that answers `route`'s result as JSON (or what the route sent itself). */
async function appWith(route: (request: FastifyRequest, reply: FastifyReply) => unknown): Promise<FastifyInstance> {
  const app = Fastify();
  app.decorateRequest('tero', null as never);
  app.addHook('onRequest', async (request) => {
    (request as unknown as { tero: unknown }).tero = {
      locale: (request.headers['accept-language'] as string | undefined) ?? 'en',
      csrfSecret: SECRET,
      host: { kind: 'instance' },
      principal: null,
    };
  });
  app.post('/', async (request, reply) => route(request, reply));
  await app.ready();
  return app;
}

/** The request a route saw, to call the kit's pure helpers on. */
async function requestWith(headers: Record<string, string>): Promise<FastifyRequest> {
  let seen: FastifyRequest | undefined;
  const app = await appWith((request) => {
    seen = request;
    return {};
  });
  await app.inject({ method: 'POST', url: '/', headers });
  await app.close();
  return seen!;
}

describe('page kit', () => {
  it('says a key in the reader’s language with its variables', async () => {
    const kernel = await kernelFor();
    expect(say(kernel, await requestWith({ 'accept-language': 'fr' }), 'errors:auth.csrf')).toBe('Le formulaire a expiré. Veuillez réessayer.');
    expect(say(kernel, await requestWith({ 'accept-language': 'es' }), 'errors:auth.csrf')).toBe('El formulario caducó. Vuelva a intentarlo.');
  });

  it('sends a page through the theme as uncached HTML with the status asked', async () => {
    const kernel = await kernelFor();
    const app = await appWith((request, reply) => sendPage(kernel, request, reply, 'error', { status: 418, message: 'short and stout' }, 418));
    const res = await app.inject({ method: 'POST', url: '/', headers: { 'accept-language': 'en' } });
    expect(res.statusCode).toBe(418);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('data-testid="error-page"');
    expect(res.body).toContain('short and stout');
    await app.close();
  });

  it('gives a form’s fields only with the browser’s CSRF token', async () => {
    const kernel = await kernelFor();
    const app = await appWith((request) => {
      try {
        return { fields: checkedForm(kernel, request) };
      } catch (error) {
        return { refused: (error as TeroError).code };
      }
    });
    const token = kernel.csrf.tokenFor(SECRET);
    const ok = await app.inject({ method: 'POST', url: '/', payload: { _csrf: token, name: 'Ada' } });
    expect(ok.json()).toEqual({ fields: { _csrf: token, name: 'Ada' } });
    for (const payload of [{ name: 'Ada' }, { _csrf: kernel.csrf.tokenFor('another-browser'), name: 'Ada' }]) {
      expect((await app.inject({ method: 'POST', url: '/', payload })).json()).toEqual({ refused: 'auth.csrf' });
    }
    await app.close();
  });

  it('reads the token of a multipart form from its fields and hands the upload back', async () => {
    const kernel = await kernelFor();
    const token = kernel.csrf.tokenFor(SECRET);
    const upload: MultipartBody = { multipart: true, fields: { _csrf: token, note: 'x' }, files: [{ field: 'file', fileName: 'a.csv', contentType: 'text/csv', data: Buffer.from('a') }] };
    const request = await requestWith({});
    const asUpload = Object.assign(Object.create(request), { body: upload }) as FastifyRequest;
    expect(checkedUpload(kernel, asUpload)).toEqual({ fields: upload.fields, upload });
    const plain = Object.assign(Object.create(request), { body: { _csrf: token, note: 'y' } }) as FastifyRequest;
    expect(checkedUpload(kernel, plain)).toEqual({ fields: { _csrf: token, note: 'y' }, upload: null });
    const forged = Object.assign(Object.create(request), { body: { ...upload, fields: { note: 'x' } } }) as FastifyRequest;
    expect(() => checkedUpload(kernel, forged)).toThrow(expect.objectContaining({ code: 'auth.csrf' }));
    // A multipart body does not pass the plain check: its token is not where a plain form has it.
    expect(() => checkedForm(kernel, asUpload)).toThrow(expect.objectContaining({ code: 'auth.csrf' }));
  });

  it('tells an error by its key, its own message when no locale has one, and refused fields one by one', async () => {
    const kernel = await kernelFor();
    const request = await requestWith({ 'accept-language': 'fr' });
    expect(errorWords(kernel, request, new TeroError('auth.csrf', 'csrf'))).toBe('Le formulaire a expiré. Veuillez réessayer.');
    expect(errorWords(kernel, request, new TeroError('nobody.wrote.this', 'plain words'))).toBe('plain words');
    const refused = new ValidationError([{ field: 'name', reason: 'too long' }, { field: 'email', reason: 'not an address' }]);
    expect(errorText(kernel, request, refused)).toBe('name: too long; email: not an address');
    expect(errorText(kernel, request, refused, (field) => field.toUpperCase())).toBe('NAME: too long; EMAIL: not an address');
    expect(errorText(kernel, request, new TeroError('auth.csrf', 'csrf'))).toBe('Le formulaire a expiré. Veuillez réessayer.');
  });

  it('writes an origin with PUBLIC_URL’s port unless the host names one', async () => {
    const request = await requestWith({ host: 'bright-smile.demo.localhost' });
    expect(originOf(await kernelFor('http://localhost:3000'), request)).toBe('http://bright-smile.demo.localhost:3000');
    expect(originOf(await kernelFor('https://example.com'), request)).toBe('http://bright-smile.demo.localhost');
    expect(originOf(await kernelFor('http://localhost:3000'), request, 'other.localhost:4000')).toBe('http://other.localhost:4000');
  });

  it('writes instants in UTC or on a client’s clock, in the reader’s language', async () => {
    const request = await requestWith({ 'accept-language': 'en' });
    const at = new Date('2026-03-08T17:05:09Z');
    expect(utcTime(request, null)).toBe('');
    expect(utcTime(request, at)).toBe('Mar 8, 2026, 5:05 PM UTC');
    expect(utcTime(request, at.toISOString())).toBe('Mar 8, 2026, 5:05 PM UTC');
    expect(utcTime(request, at, 'medium')).toBe('Mar 8, 2026, 5:05:09 PM UTC');
    expect(localTime(request, at, 'America/New_York')).toBe('Mar 8, 2026, 1:05 PM');
    expect(localTime(await requestWith({ 'accept-language': 'fr' }), at, 'Europe/Paris')).toBe('8 mars 2026, 18:05');
  });
});

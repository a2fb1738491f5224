import { ValidationError } from '@tero/accounts';
import type { TeroError } from '@tero/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type MultipartBody, isMultipartBody } from '../http/multipart-form';
import { CsrfError } from '../http/page-errors';
import type { Kernel } from '../kernel';
import { prepareLook, renderPage } from './render';

/**
 * What every server-rendered page controller does the same way, written once: words in the reader's
 * language, a page sent through the brand's theme, a form checked for its CSRF token, an error told in
 * words, the origin of a host, instants written for the reader. Plain functions of the kernel and the
 * request, so that controllers keep their own access rules, explicit, and Nest's DI stays as it is.
 */

/** A submitted form's fields by name, as the body parser gives them. */
export type Form = Record<string, unknown>;

/** The text of `key` in the reader's language, with `vars` filled in. */
export function say(kernel: Pick<Kernel, 'i18n'>, request: FastifyRequest, key: string, vars: Record<string, unknown> = {}): string {
  return kernel.i18n.t(key, { lng: request.tero.locale, ...vars });
}

/** Sends `page` rendered through the brand's theme as HTML with `status`; never cached, since pages carry a user's data and a CSRF token. */
export async function sendPage(kernel: Kernel, request: FastifyRequest, reply: FastifyReply, page: string, data: Record<string, unknown> = {}, status = 200) {
  await prepareLook(kernel, request);
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderPage(kernel, request, page, data));
}

/** The fields of a posted form whose CSRF token matches the browser's; otherwise a CsrfError, before anything is read or changed. */
export function checkedForm(kernel: Pick<Kernel, 'csrf'>, request: FastifyRequest): Form {
  const fields = (request.body ?? {}) as Form;
  if (!kernel.csrf.verify(request.tero.csrfSecret, fields._csrf)) throw new CsrfError();
  return fields;
}

/** Like checkedForm for a form that may be `multipart/form-data`: its text fields, and the parsed upload when it is one. */
export function checkedUpload(kernel: Pick<Kernel, 'csrf'>, request: FastifyRequest): { fields: Form; upload: MultipartBody | null } {
  const body = request.body;
  const upload = isMultipartBody(body) ? body : null;
  const fields = (upload ? upload.fields : (body ?? {})) as Form;
  if (!kernel.csrf.verify(request.tero.csrfSecret, fields._csrf)) throw new CsrfError();
  return { fields, upload };
}

/** An error's message key in the reader's language, or its own message when no locale has words for it. */
export function errorWords(kernel: Pick<Kernel, 'i18n'>, request: FastifyRequest, error: TeroError): string {
  const key = `errors:${error.code}`;
  return kernel.i18n.exists(key, { lng: request.tero.locale }) ? say(kernel, request, key, error.params) : error.message;
}

/**
 * An error for a page's banner: each refused field with its reason (the field named by `label`, by default
 * as the form names it), or the error's words.
 */
export function errorText(kernel: Pick<Kernel, 'i18n'>, request: FastifyRequest, error: TeroError, label: (field: string) => string = (field) => field): string {
  if (error instanceof ValidationError) return error.problems.map((p) => `${label(p.field)}: ${p.reason}`).join('; ');
  return errorWords(kernel, request, error);
}

export { originOf } from './origin';

/** An instant in UTC, said so (`… UTC`), in the reader's language; '' for none. */
export function utcTime(request: FastifyRequest, at: Date | string | null | undefined, timeStyle: 'short' | 'medium' = 'short'): string {
  if (!at) return '';
  return `${new Intl.DateTimeFormat(request.tero.locale, { dateStyle: 'medium', timeStyle, timeZone: 'UTC' }).format(new Date(at))} UTC`;
}

/** A date and a short time in the reader's language, on `timeZone`'s clock (the server's when none is given). */
export function localTime(request: FastifyRequest, at: Date, timeZone?: string): string {
  return new Intl.DateTimeFormat(request.tero.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(at);
}

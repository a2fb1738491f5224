import { TeroError } from '@tero/sdk';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** A file of a `multipart/form-data` form. */
export interface MultipartFile {
  field: string;
  fileName: string;
  /** As the browser declared it (not trusted: the reader checks the bytes). */
  contentType: string;
  data: Buffer;
}

/** A parsed `multipart/form-data` body: text fields (the last value of a name wins) and files in order. */
export interface MultipartBody {
  multipart: true;
  fields: Record<string, string>;
  files: MultipartFile[];
}

export function isMultipartBody(body: unknown): body is MultipartBody {
  return typeof body === 'object' && body !== null && (body as MultipartBody).multipart === true;
}

/** Parts one form may have, files and fields together. */
const MAX_PARTS = 50;
/** Bytes of one part's headers. */
const MAX_HEADER_BYTES = 8 * 1024;
/** Bytes of one text field. */
const MAX_FIELD_BYTES = 64 * 1024;

/**
 * Codes of what the upload parser refuses; the errors filter answers them (a page or JSON) like any
 * error, with the status and the translated message.
 */
export const UPLOAD_ERRORS = {
  malformed: 'numbers.upload_malformed',
  tooLarge: 'numbers.upload_too_large',
  notAccepted: 'numbers.upload_not_accepted',
} as const;

function badForm(reason: string): TeroError {
  return new TeroError(UPLOAD_ERRORS.malformed, `form: ${reason}`, { reason }, { status: 400 });
}

function tooLarge(limit: number): TeroError {
  const mb = Math.floor(limit / 1024 / 1024);
  return new TeroError(UPLOAD_ERRORS.tooLarge, `the upload is larger than ${mb} MB`, { mb }, { status: 413 });
}

/** `boundary` of a `multipart/form-data; boundary=…` content type (quoted or not), or null. */
export function boundaryOf(contentType: string | undefined): string | null {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType ?? '');
  return match ? (match[1] ?? match[2] ?? null) : null;
}

function headerParam(header: string, name: string): string | null {
  // filename*=UTF-8''… (RFC 5987) first, then the plain quoted or bare value.
  const extended = new RegExp(`;\\s*${name}\\*=UTF-8''([^;]+)`, 'i').exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!.trim());
    } catch {
      return null;
    }
  }
  const match = new RegExp(`;\\s*${name}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i').exec(header);
  if (!match) return null;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? null);
}

/**
 * Reads a whole `multipart/form-data` body (RFC 7578): each part's `Content-Disposition` name and
 * filename, its `Content-Type`, and its bytes exactly as sent. A file input left empty (no filename, no
 * bytes) is dropped. Malformed bodies are refused with a 400, never half-read.
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartBody {
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  const result: MultipartBody = { multipart: true, fields: {}, files: [] };
  let position = body.indexOf(delimiter);
  if (position < 0) throw badForm('no part starts with the boundary');
  position += delimiter.length;
  for (let parts = 0; ; parts++) {
    if (body[position] === 0x2d && body[position + 1] === 0x2d) return result;
    if (parts >= MAX_PARTS) throw badForm(`more than ${MAX_PARTS} parts`);
    if (body[position] !== 0x0d || body[position + 1] !== 0x0a) throw badForm('a boundary is not followed by a line break');
    position += 2;
    const headerEnd = body.indexOf('\r\n\r\n', position);
    if (headerEnd < 0 || headerEnd - position > MAX_HEADER_BYTES) throw badForm('a part has no end to its headers');
    const headers = new Map<string, string>();
    for (const line of body.subarray(position, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const contentStart = headerEnd + 4;
    const contentEnd = body.indexOf(next, contentStart);
    if (contentEnd < 0) throw badForm('the last part is not closed by the boundary');
    const disposition = headers.get('content-disposition') ?? '';
    const name = headerParam(disposition, 'name');
    if (!/^form-data/i.test(disposition) || name === null) throw badForm('a part has no form-data name');
    const data = body.subarray(contentStart, contentEnd);
    const fileName = headerParam(disposition, 'filename');
    if (fileName !== null) {
      if (fileName !== '' || data.length > 0) {
        result.files.push({ field: name, fileName: fileName || 'file', contentType: headers.get('content-type') ?? 'application/octet-stream', data: Buffer.from(data) });
      }
    } else {
      if (data.length > MAX_FIELD_BYTES) throw badForm(`field ${name.slice(0, 40)} is too long`);
      result.fields[name] = data.toString('utf8');
    }
    position = contentEnd + next.length;
  }
}

/**
 * Lets the named routes take `multipart/form-data` (file uploads) up to their own size, read whole and
 * parsed by {@link parseMultipart}; every other route still refuses it with 415, as before. Registered
 * on the root Fastify instance so that Nest's controllers (with the request context, session and CSRF)
 * handle the uploads like any form.
 */
export function registerMultipartRoutes(fastify: FastifyInstance, limits: Readonly<Record<string, number>>): void {
  fastify.addContentTypeParser('multipart/form-data', (request: FastifyRequest, payload: NodeJS.ReadableStream & { destroy?: () => void }, done: (error: Error | null, body?: unknown) => void) => {
    const limit = limits[request.routeOptions.url ?? ''];
    if (!limit) {
      done(new TeroError(UPLOAD_ERRORS.notAccepted, 'multipart/form-data is not accepted here', {}, { status: 415 }));
      return;
    }
    const declared = Number(request.headers['content-length']);
    if (declared > limit) {
      done(tooLarge(limit));
      return;
    }
    const boundary = boundaryOf(request.headers['content-type']);
    if (!boundary) {
      done(badForm('multipart/form-data without a boundary'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const finish = (error: Error | null, body?: unknown) => {
      if (finished) return;
      finished = true;
      done(error, body);
    };
    payload.on('data', (chunk: Buffer) => {
      if (finished) return;
      size += chunk.length;
      if (size > limit) {
        finish(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    payload.on('error', (error: Error) => finish(error));
    payload.on('end', () => {
      try {
        finish(null, parseMultipart(Buffer.concat(chunks, size), boundary));
      } catch (error) {
        finish(error as Error);
      }
    });
  });
}

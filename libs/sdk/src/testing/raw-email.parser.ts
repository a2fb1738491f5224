/**
 * A small RFC 5322 / MIME reader for the fake vendors of e-mail plugin tests: enough to check what an
 * SMTP server actually received (headers, encoded-word subjects, quoted-printable and base64 bodies,
 * nested multiparts). It is not a general mail parser: attachments are ignored and malformed input is
 * read leniently rather than reported.
 */

/** A message read by {@link parseRawEmail}. */
export interface ParsedRawEmail {
  /** Header names in lower case; values unfolded and with encoded words (`=?utf-8?B?…?=`) decoded. Repeated headers are joined with `, `. */
  headers: Record<string, string>;
  /** The first `text/plain` part, decoded, line endings as `\n`. */
  text?: string;
  /** The first `text/html` part, decoded, line endings as `\n`. */
  html?: string;
}

/** Reads a raw message as received over SMTP `DATA`. */
export function parseRawEmail(raw: string | Buffer): ParsedRawEmail {
  const entity = readEntity(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
  const result: ParsedRawEmail = { headers: entity.headers };
  collectBodies(entity, result);
  return result;
}

/** Decodes RFC 2047 encoded words in a header value; whitespace between two adjacent encoded words is dropped. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)/g, '$1')
    .replace(/=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g, (_word, charset: string, encoding: string, data: string) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : decodeQuotedPrintableBytes(data.replace(/_/g, ' '));
      return decodeCharset(bytes, charset.split('*')[0]);
    });
}

interface Entity {
  headers: Record<string, string>;
  body: Buffer;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');

function readEntity(raw: Buffer): Entity {
  let split = raw.indexOf(CRLFCRLF);
  let separatorLength = 4;
  if (split < 0) {
    split = raw.indexOf(LFLF);
    separatorLength = 2;
  }
  const headerText = (split < 0 ? raw : raw.subarray(0, split)).toString('utf8');
  const body = split < 0 ? Buffer.alloc(0) : raw.subarray(split + separatorLength);
  return { headers: readHeaders(headerText), body };
}

function readHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const unfolded = text.replace(/\r\n/g, '\n').replace(/\n[ \t]+/g, ' ');
  for (const line of unfolded.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = decodeEncodedWords(line.slice(colon + 1).trim());
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

/** `text/plain; charset="utf-8"` → `{ value: 'text/plain', params: { charset: 'utf-8' } }`. */
function readStructuredHeader(value: string | undefined): { value: string; params: Record<string, string> } {
  const [first, ...rest] = (value ?? '').split(';');
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    params[part.slice(0, eq).trim().toLowerCase()] = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return { value: first.trim().toLowerCase(), params };
}

function collectBodies(entity: Entity, into: ParsedRawEmail): void {
  const type = readStructuredHeader(entity.headers['content-type'] ?? 'text/plain');
  const disposition = readStructuredHeader(entity.headers['content-disposition']).value;
  if (type.value.startsWith('multipart/') && type.params.boundary) {
    for (const part of splitMultipart(entity.body, type.params.boundary)) collectBodies(readEntity(part), into);
    return;
  }
  if (disposition === 'attachment') return;
  const key = type.value === 'text/plain' ? 'text' : type.value === 'text/html' ? 'html' : undefined;
  if (!key || into[key] !== undefined) return;
  const bytes = decodeTransferEncoding(entity.body, entity.headers['content-transfer-encoding']);
  into[key] = decodeCharset(bytes, type.params.charset ?? 'utf-8').replace(/\r\n/g, '\n');
}

function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const text = body.toString('latin1'); // byte-preserving, so parts can be decoded with their own charset
  const delimiter = `--${boundary}`;
  const parts: Buffer[] = [];
  const lines = text.split(/\r?\n/);
  let current: string[] | undefined;
  for (const line of lines) {
    if (line.startsWith(delimiter)) {
      if (current) parts.push(Buffer.from(current.join('\r\n'), 'latin1'));
      current = line.startsWith(`${delimiter}--`) ? undefined : [];
      if (!current) break;
    } else if (current) {
      current.push(line);
    }
  }
  return parts;
}

function decodeTransferEncoding(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '7bit').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.toString('latin1').replace(/\s+/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintableBytes(body.toString('latin1').replace(/=\r?\n/g, ''));
    default:
      return body;
  }
}

function decodeQuotedPrintableBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === '=' ? text.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function decodeCharset(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.toLowerCase()).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

import type { Readable } from 'node:stream';
import { type TenantContext, TeroError } from '@tero/sdk';

/** Nest injection token for the instance's `FileStorage`. */
export const FILE_STORAGE = 'tero:file-storage';

/** What is known about a stored file. */
export interface FileStat {
  /** The key as the tenant named it (without the tenant namespace). */
  readonly key: string;
  readonly size: number;
  /** As given to `put`; `application/octet-stream` when none was. */
  readonly contentType: string;
  readonly modifiedAt: Date;
}

export interface PutFileOptions {
  contentType?: string;
}

/**
 * Files a tenant owns: recordings, voice samples, logos, exports. Keys are relative paths such as
 * `recordings/2025/call-123.wav`; every implementation stores them under the tenant of `ctx` (its brand,
 * and its client or the brand itself when `clientId` is null), so one tenant can never reach another's
 * file by choosing a key, and a brand-level context does not see its clients' files.
 *
 * Errors: `storage.invalid_key` for a key that is not a clean relative path (see `validateStorageKey`),
 * `storage.invalid_tenant` for a context whose ids cannot name a namespace, `storage.not_found` for a
 * missing file. Writes are atomic: a reader sees the old file or the new one, never a part.
 */
export interface FileStorage {
  /** Stores `data` under `key`, replacing any file there. A stream is written as it arrives, never held whole in memory. */
  put(ctx: TenantContext, key: string, data: Buffer | Readable, options?: PutFileOptions): Promise<FileStat>;
  /** Streams the file. Resolves only once the file is known to exist, so a missing one rejects here rather than mid-stream. */
  get(ctx: TenantContext, key: string): Promise<Readable>;
  stat(ctx: TenantContext, key: string): Promise<FileStat>;
  /** Removes the file; removing a missing file is not an error (deletes are retried by jobs). */
  delete(ctx: TenantContext, key: string): Promise<void>;
  /** Files whose key starts with `prefix` (a plain string prefix, as in S3), sorted by key. */
  list(ctx: TenantContext, prefix?: string): Promise<FileStat[]>;
}

export const MAX_STORAGE_KEY_BYTES = 512;
// Leaves room under the usual 255-byte file name limit for the storage's own sidecar names.
const MAX_SEGMENT_BYTES = 200;
/** Names starting with this are the storage's own (temporary files, metadata), so no key may use them. */
export const STORAGE_RESERVED_PREFIX = '.tero';
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f\\]/;
const TENANT_ID = /^[A-Za-z0-9_-]{1,128}$/;

function invalidKey(key: string, reason: string): TeroError {
  return new TeroError('storage.invalid_key', `invalid file key ${JSON.stringify(key.slice(0, 100))}: ${reason}`, { reason }, { status: 400 });
}

/**
 * Checks a key is a clean relative path: 1-512 bytes, `/`-separated non-empty segments of at most 200
 * bytes, no `.` or `..` segment, no leading `/`, no backslash, NUL or control character, and no segment
 * starting with `.tero`. Returns its segments. Checked before any path is built, so a traversal attempt
 * never reaches the file system.
 */
export function validateStorageKey(key: string): string[] {
  if (typeof key !== 'string' || key.length === 0) throw invalidKey(String(key ?? ''), 'must be a non-empty string');
  if (Buffer.byteLength(key) > MAX_STORAGE_KEY_BYTES) throw invalidKey(key, `must be at most ${MAX_STORAGE_KEY_BYTES} bytes`);
  if (FORBIDDEN_CHARS.test(key)) throw invalidKey(key, 'must not contain a backslash, NUL or control character');
  if (key.startsWith('/')) throw invalidKey(key, 'must be relative (no leading /)');
  const segments = key.split('/');
  for (const segment of segments) {
    if (segment === '') throw invalidKey(key, 'must not contain an empty segment (// or a trailing /)');
    if (segment === '.' || segment === '..') throw invalidKey(key, 'must not contain . or .. segments');
    if (segment.startsWith(STORAGE_RESERVED_PREFIX)) throw invalidKey(key, `segments must not start with ${STORAGE_RESERVED_PREFIX}`);
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) throw invalidKey(key, `segments must be at most ${MAX_SEGMENT_BYTES} bytes`);
  }
  return segments;
}

/**
 * Checks a listing prefix: empty (everything), or a key whose last segment may be partial or empty
 * (`recordings/`, `recordings/2025-0`). Returns the complete segments, the only part that becomes a path.
 */
export function validateStoragePrefix(prefix: string): string[] {
  if (prefix === '') return [];
  return validateStorageKey(prefix.endsWith('/') ? `${prefix}_` : prefix).slice(0, -1);
}

/** The two namespace segments of a tenant: `[brandId, clientId | '_brand']`. */
export function tenantNamespace(ctx: TenantContext): [string, string] {
  const { brandId, clientId } = ctx;
  if (typeof brandId !== 'string' || !TENANT_ID.test(brandId)) {
    throw new TeroError('storage.invalid_tenant', 'the tenant context has no usable brand id', {}, { status: 400 });
  }
  if (clientId === null) return [brandId, '_brand'];
  // A client id starting with "_" could collide with the brand-level "_brand" namespace.
  if (typeof clientId !== 'string' || !TENANT_ID.test(clientId) || clientId.startsWith('_')) {
    throw new TeroError('storage.invalid_tenant', 'the tenant context has no usable client id', {}, { status: 400 });
  }
  return [brandId, clientId];
}

export function fileNotFound(key: string): TeroError {
  return new TeroError('storage.not_found', `no file ${JSON.stringify(key)}`, { key }, { status: 404 });
}

import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type TenantContext, TeroError } from '@tero/sdk';
import { randomToken } from '../crypto/tokens';
import {
  type FileStat,
  type FileStorage,
  type PutFileOptions,
  STORAGE_RESERVED_PREFIX,
  fileNotFound,
  tenantNamespace,
  validateStorageKey,
  validateStoragePrefix,
} from './file-storage.port';

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const CONTENT_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;[\x20-\x7e]*)?$/;
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

const errno = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * The embedded default: files under `<dataDir>/files/<brandId>/<clientId | _brand>/<key>`, one plain file
 * per key, readable by the operator and backed up with the data folder. A content type, when given, is
 * kept in a `.tero-meta.<name>.json` file beside the data. Writes go to a temporary file in the same
 * folder and are renamed into place, so a crash or a failed upload leaves the previous file intact.
 *
 * Unlike S3, a key cannot be both a file and a folder of keys (`a` and `a/b`); the second is refused as
 * `storage.invalid_key`. The content type and the data are replaced one after the other, so a reader
 * racing a rewrite of the same key may briefly pair the new type with the old data.
 */
export class LocalDiskFileStorage implements FileStorage {
  readonly root: string;

  constructor({ dataDir }: { dataDir: string }) {
    this.root = join(resolve(dataDir), 'files');
  }

  async put(ctx: TenantContext, key: string, data: Buffer | Readable, options: PutFileOptions = {}): Promise<FileStat> {
    const path = this.pathOf(ctx, key);
    const contentType = options.contentType;
    if (contentType !== undefined && (contentType.length > 255 || !CONTENT_TYPE.test(contentType))) {
      throw new TeroError('storage.invalid_content_type', `invalid content type ${JSON.stringify(contentType.slice(0, 100))}`, {}, { status: 400 });
    }
    const dir = dirname(path);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      if (errno(error) === 'EEXIST' || errno(error) === 'ENOTDIR') throw conflict(key);
      throw error;
    }
    const temp = join(dir, `${STORAGE_RESERVED_PREFIX}-tmp.${randomToken(16)}`);
    try {
      const source = Buffer.isBuffer(data) ? Readable.from([data]) : data;
      await pipeline(source, createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true }));
      if (contentType === undefined) {
        await rm(metaPathOf(path), { force: true });
      } else {
        await writeFile(metaPathOf(path), JSON.stringify({ contentType }), { mode: 0o600 });
      }
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      if (errno(error) === 'EISDIR' || errno(error) === 'ENOTEMPTY' || errno(error) === 'EEXIST') throw conflict(key);
      throw error;
    }
    return this.stat(ctx, key);
  }

  async get(ctx: TenantContext, key: string): Promise<Readable> {
    const path = this.pathOf(ctx, key);
    const handle = await open(path, 'r').catch((error) => {
      throw MISSING.has(errno(error) ?? '') ? fileNotFound(key) : error;
    });
    try {
      if (!(await handle.stat()).isFile()) throw fileNotFound(key);
    } catch (error) {
      await handle.close();
      throw error;
    }
    // The stream keeps the open handle: a concurrent replace or delete cannot cut a read short.
    return handle.createReadStream();
  }

  async stat(ctx: TenantContext, key: string): Promise<FileStat> {
    return this.statPath(this.pathOf(ctx, key), key);
  }

  async delete(ctx: TenantContext, key: string): Promise<void> {
    const path = this.pathOf(ctx, key);
    for (const target of [path, metaPathOf(path)]) {
      try {
        await unlink(target);
      } catch (error) {
        // A folder of other keys is not this key's file; unlink reports EISDIR or EPERM for it.
        if (!MISSING.has(errno(error) ?? '') && !(errno(error) === 'EPERM' && target === path)) throw error;
      }
    }
  }

  async list(ctx: TenantContext, prefix = ''): Promise<FileStat[]> {
    const tenantRoot = this.tenantRoot(ctx);
    const start = join(tenantRoot, ...validateStoragePrefix(prefix));
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (MISSING.has(errno(error) ?? '')) return;
        throw error;
      }
      for (const entry of entries) {
        if (entry.name.startsWith(STORAGE_RESERVED_PREFIX)) continue;
        const full = join(dir, entry.name);
        const key = relative(tenantRoot, full).split(sep).join('/');
        if (entry.isDirectory()) {
          // Descend only where keys matching the prefix can be.
          if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(full);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          keys.push(key);
        }
      }
    };
    await walk(start);
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const stats: FileStat[] = [];
    for (const key of keys) {
      try {
        stats.push(await this.statPath(join(tenantRoot, ...key.split('/')), key));
      } catch (error) {
        // Deleted while we listed: it is simply not there any more.
        if (!(error instanceof TeroError && error.code === 'storage.not_found')) throw error;
      }
    }
    return stats;
  }

  private tenantRoot(ctx: TenantContext): string {
    return join(this.root, ...tenantNamespace(ctx));
  }

  private pathOf(ctx: TenantContext, key: string): string {
    const tenantRoot = this.tenantRoot(ctx);
    const path = join(tenantRoot, ...validateStorageKey(key));
    // The key rules already exclude traversal; this guards against a future change to them.
    if (!path.startsWith(tenantRoot + sep)) throw new TeroError('storage.invalid_key', `invalid file key ${JSON.stringify(key)}`, {}, { status: 400 });
    return path;
  }

  private async statPath(path: string, key: string): Promise<FileStat> {
    const info = await stat(path).catch((error) => {
      throw MISSING.has(errno(error) ?? '') ? fileNotFound(key) : error;
    });
    if (!info.isFile()) throw fileNotFound(key);
    return { key, size: info.size, contentType: await readContentType(path), modifiedAt: info.mtime };
  }
}

function metaPathOf(path: string): string {
  return join(dirname(path), `${STORAGE_RESERVED_PREFIX}-meta.${basename(path)}.json`);
}

async function readContentType(path: string): Promise<string> {
  try {
    const meta = JSON.parse(await readFile(metaPathOf(path), 'utf8')) as { contentType?: unknown };
    return typeof meta.contentType === 'string' ? meta.contentType : DEFAULT_CONTENT_TYPE;
  } catch (error) {
    // A missing or damaged sidecar only loses the type, never the file.
    if (MISSING.has(errno(error) ?? '') || error instanceof SyntaxError) return DEFAULT_CONTENT_TYPE;
    throw error;
  }
}

function conflict(key: string): TeroError {
  return new TeroError(
    'storage.invalid_key',
    `invalid file key ${JSON.stringify(key)}: conflicts with an existing file or folder of keys`,
    { reason: 'conflicts with an existing file or folder of keys' },
    { status: 400 },
  );
}

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type TenantContext, TeroError } from '@tero/sdk';
import { LocalDiskFileStorage } from './local-disk.file-storage';

const brandA: TenantContext = { brandId: 'brand-a', clientId: null, locale: 'en' };
const clientA1: TenantContext = { brandId: 'brand-a', clientId: 'client-1', locale: 'en' };
const clientA2: TenantContext = { brandId: 'brand-a', clientId: 'client-2', locale: 'en' };
const clientB1: TenantContext = { brandId: 'brand-b', clientId: 'client-1', locale: 'en' };

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TeroError);
    return (error as TeroError).code;
  }
  return 'none';
}

/** Different bytes per chunk, so a dropped or reordered chunk changes the hash. */
function chunkFor(index: number, size: number): Buffer {
  return Buffer.alloc(size, createHash('sha256').update(String(index)).digest());
}

describe('LocalDiskFileStorage', () => {
  let dataDir: string;
  let storage: LocalDiskFileStorage;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tero-files-'));
    storage = new LocalDiskFileStorage({ dataDir });
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('round-trips a buffer with its content type, stored as a plain file under the tenant folder', async () => {
    const data = Buffer.from('RIFF....WAVE');
    const stat = await storage.put(clientA1, 'recordings/call-1.wav', data, { contentType: 'audio/wav' });
    expect(stat).toMatchObject({ key: 'recordings/call-1.wav', size: data.length, contentType: 'audio/wav' });
    expect(await readAll(await storage.get(clientA1, 'recordings/call-1.wav'))).toEqual(data);
    expect(await storage.stat(clientA1, 'recordings/call-1.wav')).toEqual(stat);

    const onDisk = join(dataDir, 'files', 'brand-a', 'client-1', 'recordings', 'call-1.wav');
    expect(readFileSync(onDisk)).toEqual(data);
    expect(stat.modifiedAt.getTime()).toBe(statSync(onDisk).mtime.getTime());
    if (process.platform !== 'win32') expect(statSync(onDisk).mode & 0o777).toBe(0o600);
  });

  it('keeps brand-level files under _brand and defaults the content type', async () => {
    await storage.put(brandA, 'logo.svg', Buffer.from('<svg/>'));
    expect(readFileSync(join(dataDir, 'files', 'brand-a', '_brand', 'logo.svg'), 'utf8')).toBe('<svg/>');
    expect((await storage.stat(brandA, 'logo.svg')).contentType).toBe('application/octet-stream');
  });

  it('replaces a file and its content type; dropping the type on rewrite', async () => {
    await storage.put(clientA1, 'f', Buffer.from('one'), { contentType: 'text/plain; charset=utf-8' });
    expect((await storage.stat(clientA1, 'f')).contentType).toBe('text/plain; charset=utf-8');
    await storage.put(clientA1, 'f', Buffer.from('two!'));
    expect(await storage.stat(clientA1, 'f')).toMatchObject({ size: 4, contentType: 'application/octet-stream' });
    expect((await readAll(await storage.get(clientA1, 'f'))).toString()).toBe('two!');
    expect(await codeOf(storage.put(clientA1, 'g', Buffer.from('x'), { contentType: 'text/plain\r\nX: y' }))).toBe('storage.invalid_content_type');
  });

  it('streams a 20 MB upload to disk as it arrives and streams it back in chunks', async () => {
    const chunkSize = 64 * 1024;
    const chunks = 320; // 20 MiB
    const written = createHash('sha256');
    const tenantDir = join(dataDir, 'files', 'brand-a', 'client-1', 'exports');
    let onDiskBeforeLastChunk = -1;
    async function* generate() {
      for (let i = 0; i < chunks; i++) {
        if (i === chunks - 1) {
          // Before the source has produced its last chunk, most of the data must already be in the temp file.
          const temp = readdirSync(tenantDir).filter((name) => name.startsWith('.tero-tmp'));
          expect(temp).toHaveLength(1);
          onDiskBeforeLastChunk = statSync(join(tenantDir, temp[0])).size;
          // Nor is the final key visible before the write completes.
          expect(readdirSync(tenantDir)).not.toContain('big.bin');
        }
        const chunk = chunkFor(i, chunkSize);
        written.update(chunk);
        yield chunk;
      }
    }
    const stat = await storage.put(clientA1, 'exports/big.bin', Readable.from(generate()), { contentType: 'application/zip' });
    expect(stat.size).toBe(chunks * chunkSize);
    expect(onDiskBeforeLastChunk).toBeGreaterThan((chunks * chunkSize) / 2);
    expect(readdirSync(tenantDir).filter((name) => name.startsWith('.tero-tmp'))).toEqual([]);

    const read = createHash('sha256');
    let total = 0;
    let largest = 0;
    let count = 0;
    for await (const chunk of await storage.get(clientA1, 'exports/big.bin')) {
      read.update(chunk as Buffer);
      total += (chunk as Buffer).length;
      largest = Math.max(largest, (chunk as Buffer).length);
      count++;
    }
    expect(total).toBe(chunks * chunkSize);
    expect(read.digest('hex')).toBe(written.digest('hex'));
    expect(count).toBeGreaterThan(100);
    expect(largest).toBeLessThanOrEqual(1024 * 1024);
  });

  it('keeps the previous file whole while a replacement is written, and after it fails', async () => {
    await storage.put(clientA1, 'doc.txt', Buffer.from('version 1'));
    let seenMidWrite = '';
    async function* failing() {
      yield Buffer.from('version 2, part 1');
      seenMidWrite = (await readAll(await storage.get(clientA1, 'doc.txt'))).toString();
      throw new Error('upload interrupted');
    }
    await expect(storage.put(clientA1, 'doc.txt', Readable.from(failing()))).rejects.toThrow('upload interrupted');
    expect(seenMidWrite).toBe('version 1');
    expect((await readAll(await storage.get(clientA1, 'doc.txt'))).toString()).toBe('version 1');
    expect(readdirSync(join(dataDir, 'files', 'brand-a', 'client-1'))).toEqual(['doc.txt']);
  });

  it('reports a missing file as storage.not_found from get, stat and an empty list', async () => {
    expect(await codeOf(storage.get(clientA1, 'nope.txt'))).toBe('storage.not_found');
    expect(await codeOf(storage.stat(clientA1, 'nope.txt'))).toBe('storage.not_found');
    expect(await storage.list(clientA1)).toEqual([]);
    await storage.put(clientA1, 'dir/file', Buffer.from('x'));
    expect(await codeOf(storage.get(clientA1, 'dir'))).toBe('storage.not_found');
    expect(await codeOf(storage.stat(clientA1, 'dir'))).toBe('storage.not_found');
    expect(await codeOf(storage.get(clientA1, 'dir/file/deeper'))).toBe('storage.not_found');
  });

  it('isolates tenants: the same key in two tenants is two files, invisible to each other', async () => {
    await storage.put(clientA1, 'voice/sample.wav', Buffer.from('a1'));
    await storage.put(clientB1, 'voice/sample.wav', Buffer.from('b1'));
    expect((await readAll(await storage.get(clientA1, 'voice/sample.wav'))).toString()).toBe('a1');
    expect((await readAll(await storage.get(clientB1, 'voice/sample.wav'))).toString()).toBe('b1');
    // a sibling client and the brand itself do not see client-1's file
    expect(await codeOf(storage.get(clientA2, 'voice/sample.wav'))).toBe('storage.not_found');
    expect(await codeOf(storage.get(brandA, 'voice/sample.wav'))).toBe('storage.not_found');
    expect(await storage.list(brandA)).toEqual([]);
    await storage.delete(clientB1, 'voice/sample.wav');
    expect((await readAll(await storage.get(clientA1, 'voice/sample.wav'))).toString()).toBe('a1');
  });

  it('refuses traversal attempts before touching the disk', async () => {
    writeFileSync(join(dataDir, 'secrets.json'), '{"APP_SECRET":"top"}');
    await storage.put(clientB1, 'private.txt', Buffer.from('b'));
    const attempts = [
      '../../../secrets.json',
      '../../brand-b/client-1/private.txt',
      '../client-2/x',
      'a/../../client-2/x',
      '/etc/passwd',
      `${dataDir}/secrets.json`,
      '..\\..\\secrets.json',
      'x\u0000.txt',
      '.tero-meta.private.txt.json',
    ];
    for (const key of attempts) {
      expect(await codeOf(storage.get(clientA1, key))).toBe('storage.invalid_key');
      expect(await codeOf(storage.put(clientA1, key, Buffer.from('evil')))).toBe('storage.invalid_key');
      expect(await codeOf(storage.delete(clientA1, key))).toBe('storage.invalid_key');
    }
    expect(await codeOf(storage.list(clientA1, '../../'))).toBe('storage.invalid_key');
    expect(await codeOf(storage.get({ brandId: 'brand-b', clientId: '..', locale: 'en' }, 'private.txt'))).toBe('storage.invalid_tenant');
    expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).toBe('{"APP_SECRET":"top"}');
    expect((await readAll(await storage.get(clientB1, 'private.txt'))).toString()).toBe('b');
  });

  it('lists by string prefix, sorted, without its own temp or metadata files', async () => {
    for (const key of ['recordings/2025-02/b.wav', 'recordings/2025-01/a.wav', 'recordings/2024-12/z.wav', 'reports/r.pdf', 'logo.png']) {
      await storage.put(clientA1, key, Buffer.from(key), { contentType: 'application/x-test' });
    }
    const keys = async (prefix?: string) => (await storage.list(clientA1, prefix)).map((s) => s.key);
    expect(await keys()).toEqual(['logo.png', 'recordings/2024-12/z.wav', 'recordings/2025-01/a.wav', 'recordings/2025-02/b.wav', 'reports/r.pdf']);
    expect(await keys('re')).toEqual(['recordings/2024-12/z.wav', 'recordings/2025-01/a.wav', 'recordings/2025-02/b.wav', 'reports/r.pdf']);
    expect(await keys('recordings/')).toEqual(['recordings/2024-12/z.wav', 'recordings/2025-01/a.wav', 'recordings/2025-02/b.wav']);
    expect(await keys('recordings/2025')).toEqual(['recordings/2025-01/a.wav', 'recordings/2025-02/b.wav']);
    expect(await keys('recordings/2025-01/a.wav')).toEqual(['recordings/2025-01/a.wav']);
    expect(await keys('nothing/')).toEqual([]);
    const [first] = await storage.list(clientA1, 'logo');
    expect(first).toMatchObject({ key: 'logo.png', size: 8, contentType: 'application/x-test' });
  });

  it('deletes a file and its metadata; deleting again is not an error', async () => {
    await storage.put(clientA1, 'a/one', Buffer.from('1'), { contentType: 'text/plain' });
    await storage.put(clientA1, 'a/two', Buffer.from('2'));
    await storage.delete(clientA1, 'a/one');
    expect(await codeOf(storage.stat(clientA1, 'a/one'))).toBe('storage.not_found');
    expect(readdirSync(join(dataDir, 'files', 'brand-a', 'client-1', 'a'))).toEqual(['two']);
    await storage.delete(clientA1, 'a/one');
    await storage.delete(clientA1, 'never/existed');
    await storage.delete(clientA1, 'a'); // a folder of keys, not a file
    expect((await storage.list(clientA1)).map((s) => s.key)).toEqual(['a/two']);
  });

  it('refuses a key that would be both a file and a folder', async () => {
    await storage.put(clientA1, 'a/b', Buffer.from('x'));
    expect(await codeOf(storage.put(clientA1, 'a', Buffer.from('y')))).toBe('storage.invalid_key');
    expect(await codeOf(storage.put(clientA1, 'a/b/c', Buffer.from('y')))).toBe('storage.invalid_key');
    expect((await storage.list(clientA1)).map((s) => s.key)).toEqual(['a/b']);
  });
});

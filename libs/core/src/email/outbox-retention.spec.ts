import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TenantContext } from '@tero/sdk';
import { pruneOutbox } from './outbox-retention';
import { OutboxEmailTransport, OutboxReader, outboxIdTime } from './outbox.email-transport';

const ctx: TenantContext = { brandId: 'brand-1', clientId: null, locale: 'en' };
const DAY = 86_400_000;
/**
 * Each test's "now", 100 days after the previous one: ids stay increasing within a process (two messages
 * in one millisecond keep their order), so a test must never write before what an earlier one wrote.
 */
let epoch = Date.parse('2026-01-01T12:00:00Z');
const nextNow = () => (epoch += 100 * DAY);

describe('pruneOutbox', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'tero-outbox-retention-')), 'outbox');
    // Only the clock is faked, so that messages can be written "days ago"; file I/O runs as usual.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask'] });
  });
  afterEach(async () => {
    jest.useRealTimers();
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  async function sendAt(time: number, subject: string): Promise<void> {
    jest.setSystemTime(time);
    await new OutboxEmailTransport(dir).send(ctx, { from: 'desk@example.test', to: ['ana@example.test'], subject, text: '…' });
  }

  it('removes the messages written before the cutoff and keeps the newer ones', async () => {
    const now = nextNow();
    await sendAt(now - 30 * DAY, 'a month ago');
    await sendAt(now - 15 * DAY, 'fifteen days ago');
    await sendAt(now - 13 * DAY, 'thirteen days ago');
    await sendAt(now - 1000, 'just now');

    expect(await pruneOutbox(dir, new Date(now - 14 * DAY))).toBe(2);
    const left = await new OutboxReader(dir).list({ limit: 10 });
    expect(left.map((m) => m.subject)).toEqual(['just now', 'thirteen days ago']);
    expect(await pruneOutbox(dir, new Date(now - 14 * DAY))).toBe(0);
  });

  it('reads the time from the id, as written', async () => {
    const at = nextNow() + 678;
    await sendAt(at, 'x');
    const [message] = await new OutboxReader(dir).list({ limit: 1 });
    expect(outboxIdTime(message.id)?.toISOString()).toBe(message.createdAt);
    expect(outboxIdTime('../../etc/passwd')).toBeNull();
  });

  it('also removes old half-written files, and leaves files that are not the outbox’s alone', async () => {
    const now = nextNow();
    await sendAt(now - 20 * DAY, 'old');
    const [old] = await new OutboxReader(dir).list({ limit: 1 });
    await writeFile(join(dir, `.${old.id}.tmp`), '{');
    await writeFile(join(dir, 'README.txt'), 'operator notes');
    await writeFile(join(dir, 'not-an-id.json'), '{}');

    expect(await pruneOutbox(dir, new Date(now - 14 * DAY))).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['README.txt', 'not-an-id.json']);
  });

  it('does nothing when nothing was ever sent', async () => {
    expect(await pruneOutbox(join(dir, 'never-created'), new Date())).toBe(0);
  });
});

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, InProcessJobQueue, OutboxEmailTransport, parseInstanceConfig } from '@tero/core';
import pino from 'pino';
import { OutboxRetention, PRUNE_OUTBOX_JOB } from './outbox-retention.job';

const DAY = 86_400_000;
const logger = pino({ level: 'silent' });

describe('OutboxRetention', () => {
  let root: string;
  let dir: string;
  let jobs: InProcessJobQueue;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tero-outbox-prune-'));
    dir = join(root, 'outbox');
    jobs = new InProcessJobQueue(logger);
  });
  afterEach(async () => {
    await jobs.close();
    await rm(root, { recursive: true, force: true });
  });

  it('the prune job deletes what is older than the retention, once per period however often it is asked', async () => {
    await new OutboxEmailTransport(dir).send({ brandId: 'b', clientId: null, locale: 'en' }, { from: 'a@example.test', to: ['b@example.test'], subject: 'kept', text: '.' });
    // The clock of the job: 20 days on, with a 14-day retention the message is out; with 30 days it stays.
    const later = Date.now() + 20 * DAY;
    const keepLonger = new OutboxRetention(jobs, { dir, retentionDays: 30, logger, now: () => later });
    keepLonger.register();
    await jobs.start();
    const first = await keepLonger.enqueueDue();
    expect(await keepLonger.enqueueDue()).toBe(first);
    await jobs.drain();
    expect(await readdir(dir)).toHaveLength(1);
    expect((await jobs.get(PRUNE_OUTBOX_JOB, first))?.state).toBe('completed');

    const jobs2 = new InProcessJobQueue(logger);
    try {
      const retention = new OutboxRetention(jobs2, { dir, retentionDays: 14, logger, now: () => later });
      retention.register();
      await jobs2.start();
      const id = await retention.enqueueDue();
      await jobs2.drain();
      expect(await readdir(dir)).toEqual([]);
      const view = await jobs2.get(PRUNE_OUTBOX_JOB, id);
      expect(view?.state).toBe('completed');
      expect(view?.logs[0]).toMatch(/^removed 1 message\(s\) written before /);
    } finally {
      await jobs2.close();
    }
  });

  it('start() enqueues the current period’s prune at once, and stop() ends the schedule', async () => {
    const retention = new OutboxRetention(jobs, { dir, retentionDays: 14, logger, intervalMs: 3_600_000, now: () => 7_200_000 });
    retention.register();
    await retention.start();
    retention.stop();
    await jobs.start();
    await jobs.drain();
    expect((await jobs.get(PRUNE_OUTBOX_JOB, 'outbox-prune-2'))?.state).toBe('completed');
  });
});

describe('OUTBOX_RETENTION_DAYS', () => {
  it('defaults to 14 days and refuses what is not a whole number of days from 1 to 3650, naming the key', () => {
    expect(parseInstanceConfig({}).OUTBOX_RETENTION_DAYS).toBe(14);
    expect(parseInstanceConfig({ OUTBOX_RETENTION_DAYS: '90' }).OUTBOX_RETENTION_DAYS).toBe(90);
    for (const bad of ['0', '-3', '2.5', 'two weeks', '3651']) {
      expect(() => parseInstanceConfig({ OUTBOX_RETENTION_DAYS: bad })).toThrow(ConfigError);
      expect(() => parseInstanceConfig({ OUTBOX_RETENTION_DAYS: bad })).toThrow(/OUTBOX_RETENTION_DAYS: must be/);
    }
  });
});

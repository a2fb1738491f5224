import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteWriteThread, WRITE_THREAD_NICENESS } from './sqlite-write-thread';

describe('SqliteWriteThread', () => {
  let dir: string;
  let file: string;
  let reader: DatabaseSync;
  let thread: SqliteWriteThread;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tero-write-thread-'));
    file = join(dir, 'db.sqlite');
    reader = new DatabaseSync(file);
    reader.exec('pragma journal_mode = wal; create table t (id integer primary key, v text not null unique)');
    thread = SqliteWriteThread.start(file, ['pragma busy_timeout = 5000', 'pragma synchronous = normal']);
  });
  afterEach(async () => {
    await thread.stop();
    reader.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = () => reader.prepare('select v from t order by id').all().map((row) => row.v);

  it('runs batches in one transaction and says how many rows each run changed', async () => {
    const changes = await thread.transaction([
      ['insert into t (v) values (?) on conflict do nothing', [['a'], ['b'], ['a']]],
      ['update t set v = ? where v = ?', [['c', 'b'], ['x', 'missing']]],
    ]);
    expect(changes).toEqual([
      [1, 1, 0],
      [1, 0],
    ]);
    expect(rows()).toEqual(['a', 'c']);
  });

  // Linux gives each thread its own niceness, which /proc shows per thread (field 19 of its stat).
  (process.platform === 'linux' ? it : it.skip)('runs at a lower priority than the event loop, which keeps its own', async () => {
    const niceness = (task: string) => Number(readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    const loop = niceness(String(process.pid));
    const before = readdirSync('/proc/self/task').filter((task) => niceness(task) === WRITE_THREAD_NICENESS).length;
    await thread.transaction([['insert into t (v) values (?)', [['a']]]]);
    const after = readdirSync('/proc/self/task').filter((task) => niceness(task) === WRITE_THREAD_NICENESS).length;
    expect(WRITE_THREAD_NICENESS).toBeGreaterThan(loop);
    expect(after).toBe(before + 1);
    expect(niceness(String(process.pid))).toBe(loop);
  });

  it('rolls the whole transaction back and rejects with the database\'s reason when a statement fails', async () => {
    await thread.transaction([['insert into t (v) values (?)', [['a']]]]);
    await expect(
      thread.transaction([
        ['insert into t (v) values (?)', [['b']]],
        ['insert into t (v) values (?)', [['a']]],
      ]),
    ).rejects.toThrow(/UNIQUE constraint failed: t\.v/);
    expect(rows()).toEqual(['a']);
    expect(thread.failed).toBeNull();
    expect(await thread.transaction([['insert into t (v) values (?)', [['b']]]])).toEqual([[1]]);
  });

  it('checkpoints the WAL about once a second before its next transaction, which starts the WAL over', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => [`row ${i} ${'x'.repeat(200)}`]);
    await thread.transaction([['insert into t (v) values (?)', many]]);
    const walPages = () => Number((reader.prepare('pragma wal_checkpoint(NOOP)').get() as { log: number }).log);
    const afterFirst = walPages();
    expect(afterFirst).toBeGreaterThan(100);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await thread.transaction([['insert into t (v) values (?)', [['one more']]]]);
    // Checkpointed, then restarted by the write: the WAL now holds that one small transaction only.
    expect(walPages()).toBeLessThan(10);
    expect(rows()).toHaveLength(2001);
  });

  it('refuses work once stopped, saying so', async () => {
    await thread.stop();
    await expect(thread.transaction([['insert into t (v) values (?)', [['a']]]])).rejects.toThrow(/stopped/);
    expect(rows()).toEqual([]);
  });
});

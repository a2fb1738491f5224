import { Worker } from 'node:worker_threads';
import type { SQLInputValue } from 'node:sqlite';

/** How often the thread checkpoints the WAL (before its next transaction). */
const CHECKPOINT_EVERY_MS = 1000;

/**
 * The thread's niceness (Linux: a thread has its own). Writes are behind, so they yield the CPU to the
 * event loop: at niceness 0 the thread preempted the loop thousands of times a second under call load,
 * and each wait showed in the hooks' tail latency. At 10 it still gets every idle moment of both cores and
 * a tenth of a core it shares with a busy loop; under the calls bench its writes (about a quarter of the
 * loop's CPU time) kept up, nothing left queued at the end of a run.
 */
export const WRITE_THREAD_NICENESS = 10;

/** One prepared statement and the parameters of each of its runs. */
export type SqliteBatch = [sql: string, runs: SQLInputValue[][]];

/**
 * The worker's code: its own connection to the file, at a lower priority than the event loop (on Linux,
 * where setting the priority of pid 0 sets the calling thread's); each message is one transaction of batches,
 * after a passive checkpoint of the WAL when the last one is a second old.
 */
const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
// Elsewhere a priority is the whole process's: the server would slow down with its writes.
if (process.platform === 'linux') {
  try {
    require('node:os').setPriority(workerData.niceness);
  } catch {}
}
const db = new DatabaseSync(workerData.file);
for (const pragma of workerData.pragmas) db.exec(pragma);
const prepared = new Map();
const statement = (sql) => {
  let found = prepared.get(sql);
  if (!found) {
    if (prepared.size >= 64) prepared.clear();
    found = db.prepare(sql);
    prepared.set(sql, found);
  }
  return found;
};
let checkpointedAt = Date.now();
parentPort.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  // About once a second the WAL is checkpointed before the next transaction, which then starts it over.
  if (Date.now() - checkpointedAt >= workerData.checkpointEveryMs) {
    checkpointedAt = Date.now();
    try {
      db.prepare('pragma wal_checkpoint(PASSIVE)').get();
    } catch {}
  }
  try {
    db.exec('begin immediate');
    const changes = [];
    for (const [sql, runs] of message.batches) {
      const run = statement(sql);
      const counts = new Array(runs.length);
      for (let i = 0; i < runs.length; i++) counts[i] = Number(run.run(...runs[i]).changes);
      changes.push(counts);
    }
    db.exec('commit');
    parentPort.postMessage({ id: message.id, changes });
  } catch (error) {
    try {
      if (db.isTransaction) db.exec('rollback');
    } catch {}
    parentPort.postMessage({ id: message.id, error: { message: String((error && error.message) || error), code: error && error.code, errcode: error && error.errcode } });
  }
});
`;

interface WriterReply {
  id: number;
  changes?: number[][];
  error?: { message: string; code?: string; errcode?: number };
}

/**
 * Runs the call record's SQLite transactions on a worker thread with its own connection to the file.
 * node:sqlite is synchronous: on the event loop, the write-behind's inserts (~11 rows per call, each
 * updating several indexes) took a fifth of the server's CPU under call load, and every flush held back
 * the requests that arrived meanwhile. Here the loop only hands over the rows. The thread also keeps the
 * WAL short: about once a second it checkpoints before its next transaction, which then starts the WAL
 * over (a checkpoint on the server's connection stalled every request; a passive one only restarts the
 * WAL when a write follows it). SQLite still admits one writer at a time (WAL mode): a transaction waits
 * for another connection's (busy timeout), so the transactions stay a few hundred rows long, as on the
 * loop. A failure of the thread itself rejects what is under way and everything after (`failed`): the
 * caller goes back to its own connection.
 */
export class SqliteWriteThread {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (changes: number[][]) => void; reject: (error: Error) => void }>();
  private stopped = false;
  /** Why the thread stopped working; null while it works. */
  failed: string | null = null;

  private constructor(private readonly worker: Worker) {}

  /** `pragmas` set up the thread's connection as the application's own is (busy timeout, synchronous, foreign keys, checkpoints). */
  static start(file: string, pragmas: string[]): SqliteWriteThread {
    const worker = new Worker(WRITER_SOURCE, {
      eval: true,
      workerData: { file, pragmas, checkpointEveryMs: CHECKPOINT_EVERY_MS, niceness: WRITE_THREAD_NICENESS },
      // It holds a connection, its prepared statements and the transaction at hand (a few hundred rows).
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    const thread = new SqliteWriteThread(worker);
    worker.unref();
    worker.on('message', (reply: WriterReply) => thread.receive(reply));
    worker.on('error', (error) => thread.fail(error.message));
    worker.on('exit', (code) => thread.fail(`the call record's SQLite thread exited (${code})`));
    return thread;
  }

  /** Runs the batches in one transaction; resolves to the rows each run changed, or rejects (rolled back) with the database's error. */
  transaction(batches: SqliteBatch[]): Promise<number[][]> {
    if (this.failed) return Promise.reject(new Error(this.failed));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, batches });
    });
  }

  /** Closes the thread's connection after the transaction under way; resolves once the thread exited. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.failed) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('stop');
    await exited;
  }

  private receive(reply: WriterReply): void {
    const waiting = this.waiting.get(reply.id);
    this.waiting.delete(reply.id);
    if (!waiting) return;
    if (reply.changes) waiting.resolve(reply.changes);
    else waiting.reject(Object.assign(new Error(reply.error?.message ?? 'the SQLite thread failed'), { code: reply.error?.code, errcode: reply.error?.errcode }));
  }

  private fail(reason: string): void {
    if (this.failed) return;
    this.failed = this.stopped ? 'the call record\'s SQLite thread was stopped' : reason;
    for (const { reject } of this.waiting.values()) reject(new Error(this.failed));
    this.waiting.clear();
  }
}

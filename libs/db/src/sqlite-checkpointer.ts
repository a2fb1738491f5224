import { Worker } from 'node:worker_threads';

/** The worker's code: its own connection to the file; a passive checkpoint when asked, and every `everyMs`. */
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.file);
db.exec('pragma busy_timeout = 1000');
const checkpoint = () => {
  try {
    const result = db.prepare('pragma wal_checkpoint(PASSIVE)').get();
    return { log: result.log, checkpointed: result.checkpointed };
  } catch (error) {
    return { failed: String((error && error.message) || error) };
  }
};
const timer = setInterval(() => {
  const result = checkpoint();
  if (result.failed) parentPort.postMessage(result);
}, workerData.everyMs);
parentPort.on('message', (message) => {
  if (message === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
    return;
  }
  parentPort.postMessage({ id: message.id, ...checkpoint() });
});
`;

interface CheckpointReply {
  id?: number;
  log?: number;
  checkpointed?: number;
  failed?: string;
}

/**
 * Checkpoints a WAL-mode SQLite file from a worker thread. node:sqlite runs on the event loop, and a
 * checkpoint (copying the pages written since the last one into the database file, then two fsyncs)
 * stalled it for ~40 ms every few seconds under call load: every request arriving meanwhile waited.
 *
 * A passive checkpoint runs beside the writer, but the WAL only starts over when a write begins after a
 * checkpoint caught up with it; under a steady stream of writes that never happens by chance. So the
 * writer asks first ({@link beforeWrite}): at most once a second, its next transaction waits (without
 * blocking the event loop) for a checkpoint to finish, then begins and restarts the WAL. Writes that do
 * not ask (the ORM's) are checkpointed every second too. When the worker fails, `onFailure` says so (the
 * caller gives checkpoints back to its own connection).
 */
export class SqliteCheckpointer {
  private stopped = false;
  private lastAt = performance.now();
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: CheckpointReply) => void>();
  private inFlight: Promise<void> | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly everyMs: number,
    private readonly onFailure: (reason: string) => void,
  ) {}

  static start(file: string, options: { everyMs: number; onFailure: (reason: string) => void }): SqliteCheckpointer {
    const worker = new Worker(CHECKPOINTER_SOURCE, {
      eval: true,
      workerData: { file, everyMs: options.everyMs },
      // It holds a connection and a timer, nothing else.
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
    });
    const checkpointer = new SqliteCheckpointer(worker, options.everyMs, options.onFailure);
    worker.unref();
    worker.on('message', (reply: CheckpointReply) => checkpointer.receive(reply));
    worker.on('error', (error) => checkpointer.fail(error.message));
    worker.on('exit', (code) => checkpointer.fail(`the checkpoint worker exited (${code})`));
    return checkpointer;
  }

  /**
   * Before a write transaction: when the last checkpoint is older than the period, waits for a fresh
   * one (or for the one under way), so that the transaction restarts the WAL. Never throws.
   */
  beforeWrite(): Promise<void> | undefined {
    if (this.stopped) return undefined;
    if (this.inFlight) return this.inFlight;
    if (performance.now() - this.lastAt < this.everyMs) return undefined;
    const id = this.nextId++;
    this.inFlight = new Promise<void>((resolve) => {
      this.waiting.set(id, (reply) => {
        this.lastAt = performance.now();
        this.inFlight = null;
        if (reply.failed) this.onFailure(reply.failed);
        resolve();
      });
      this.worker.postMessage({ id });
    });
    return this.inFlight;
  }

  /** Stops the worker after its current checkpoint; resolves once its connection is closed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('stop');
    this.release();
    await exited;
  }

  private receive(reply: CheckpointReply): void {
    if (reply.id !== undefined) {
      const done = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      done?.(reply);
    } else if (reply.failed) {
      this.onFailure(reply.failed);
    }
  }

  private fail(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.release();
    this.onFailure(reason);
  }

  /** Lets every write waiting for a checkpoint go on. */
  private release(): void {
    for (const done of this.waiting.values()) done({});
    this.waiting.clear();
  }
}

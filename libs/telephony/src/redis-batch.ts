import type { Redis } from 'ioredis';

/**
 * Sends the Redis commands issued in one turn of the event loop — a hook's replay claim and session
 * read, and under load those of every hook that turn handles — in one write on the socket instead of
 * one each: the connection is corked until the loop's check phase (`setImmediate`). On the call path a
 * socket write costs more than the command itself. Plain commands, not ioredis pipelines (nor its
 * auto-pipelining), whose objects cost more CPU and memory than the writes they save. One batch per
 * connection ({@link RedisBatch.of}), so every store on that connection shares it.
 */
export class RedisBatch {
  private static readonly byConnection = new WeakMap<Redis, RedisBatch>();
  private corked = false;

  private constructor(private readonly redis: Redis) {}

  /** The batch of `redis`. */
  static of(redis: Redis): RedisBatch {
    let batch = RedisBatch.byConnection.get(redis);
    if (!batch) RedisBatch.byConnection.set(redis, (batch = new RedisBatch(redis)));
    return batch;
  }

  /** Sends `command` together with whatever else is issued in this turn of the event loop; resolves to its reply. */
  send(command: string, ...args: (string | number)[]): Promise<unknown> {
    const stream = this.redis.stream;
    // While connecting, ioredis queues commands itself and writes them later: nothing to gather then.
    if (!this.corked && this.redis.status === 'ready' && stream && !stream.destroyed) {
      this.corked = true;
      stream.cork();
      setImmediate(() => {
        this.corked = false;
        stream.uncork();
      });
    }
    return this.redis.call(command, ...args);
  }
}

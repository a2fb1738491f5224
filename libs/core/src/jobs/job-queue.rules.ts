import { TeroError } from '@tero/sdk';
import { DEFAULT_ATTEMPTS, DEFAULT_BACKOFF, type EnqueueOptions, type JobBackoff, type RegisterOptions } from './job-queue.port';

/** The rules both implementations share, so that they cannot drift apart. */

export interface ResolvedPolicy {
  attempts: number;
  backoff: JobBackoff;
  concurrency: number;
}

export function resolvePolicy(name: string, options: RegisterOptions = {}): ResolvedPolicy {
  const policy = {
    attempts: options.attempts ?? DEFAULT_ATTEMPTS,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    concurrency: options.concurrency ?? 1,
  };
  assertPositiveInteger(name, 'attempts', policy.attempts);
  assertPositiveInteger(name, 'concurrency', policy.concurrency);
  if (!(policy.backoff.delayMs >= 0)) {
    throw new TeroError('jobs.invalid_option', `job "${name}": backoff.delayMs must be >= 0`, { name, key: 'backoff' });
  }
  return policy;
}

/**
 * Validates what a caller passes to `enqueue`. Job ids follow BullMQ's constraints (no `:`, not an
 * integer), enforced in both implementations so that code tested on the embedded default works on Redis.
 */
export function checkEnqueueOptions(name: string, options: EnqueueOptions): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new TeroError('jobs.invalid_name', `job name "${name}": letters, digits, . _ - only`, { name });
  }
  const { jobId, delayMs, attempts } = options;
  if (jobId !== undefined && (!/^[A-Za-z0-9._-]{1,200}$/.test(jobId) || /^\d+$/.test(jobId))) {
    throw new TeroError(
      'jobs.invalid_job_id',
      `job "${name}": jobId "${jobId}" must be 1-200 letters, digits, . _ - and not only digits`,
      { name, jobId },
      { status: 400 },
    );
  }
  if (delayMs !== undefined && !(delayMs >= 0)) {
    throw new TeroError('jobs.invalid_option', `job "${name}": delayMs must be >= 0`, { name, key: 'delayMs' });
  }
  if (attempts !== undefined) assertPositiveInteger(name, 'attempts', attempts);
}

/** See the port's documentation: a non-retryable `TeroError` stops the retries, anything else is retried. */
export function isNonRetryable(error: unknown): boolean {
  return error instanceof TeroError && !error.retryable;
}

/** Milliseconds to wait after the given (1-based) failed attempt. */
export function backoffDelay(backoff: JobBackoff, failedAttempt: number): number {
  return backoff.type === 'fixed' ? backoff.delayMs : backoff.delayMs * 2 ** (failedAttempt - 1);
}

/**
 * Job data as it comes back from Redis: a JSON copy. The in-process queue copies the same way, so that a
 * `Date` or a class instance in job data fails the same on the embedded default as in production.
 */
export function jsonCopy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
}

export function jobNotFound(name: string, id: string): TeroError {
  return new TeroError('jobs.not_found', `job "${name}" "${id}" not found`, { name, id }, { status: 404 });
}

export function notADeadLetter(name: string, id: string, state: string): TeroError {
  return new TeroError('jobs.not_dead_letter', `job "${name}" "${id}" is ${state}, not a dead letter`, { name, id, state }, { status: 409 });
}

function assertPositiveInteger(name: string, key: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new TeroError('jobs.invalid_option', `job "${name}": ${key} must be a positive integer`, { name, key });
  }
}

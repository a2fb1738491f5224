import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { outboxIdTime } from './outbox.email-transport';

/** A message file (`<id>.json`) or one left half-written by a crash (`.<id>.tmp`). */
const OUTBOX_FILE = /^(?:\.(.+)\.tmp|(.+)\.json)$/;

/**
 * Deletes the outbox messages written before `olderThan` (and half-written files of that age), so that the
 * embedded default's outbox (sign-in links included) does not grow without end. The time is read from each
 * file's id, so no file is opened. Returns how many files were removed; a missing outbox removes nothing.
 */
export async function pruneOutbox(dir: string, olderThan: Date): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const name of names) {
    const match = OUTBOX_FILE.exec(name);
    const written = match ? outboxIdTime(match[1] ?? match[2]) : null;
    if (!written || written.getTime() >= olderThan.getTime()) continue;
    await rm(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

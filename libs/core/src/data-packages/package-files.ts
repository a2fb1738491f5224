import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export type JsonRead =
  | { ok: true; value: unknown }
  | { ok: false; missing: boolean; message: string; line?: number; column?: number };

/** Reads a JSON file, turning a syntax error into a message with its 1-based line and column. */
export async function readJsonFile(path: string): Promise<JsonRead> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, missing: true, message: 'file not found' };
    return { ok: false, missing: false, message: `cannot read: ${(err as Error).message}` };
  }
  try {
    return { ok: true, value: JSON.parse(text.replace(/^\uFEFF/, '')) };
  } catch (err) {
    const message = (err as Error).message.replace(/\s+/g, ' ');
    // Node's message ends with "(line L column C)"; older forms only give "at position N".
    const lc = /\(line (\d+) column (\d+)\)/.exec(message);
    if (lc) {
      return { ok: false, missing: false, message: `invalid JSON: ${message.replace(/\s*\(line.*$/, '')}`, line: +lc[1], column: +lc[2] };
    }
    const pos = /position (\d+)/.exec(message);
    if (pos) {
      const before = text.slice(0, +pos[1]).split('\n');
      return { ok: false, missing: false, message: `invalid JSON: ${message}`, line: before.length, column: before.at(-1)!.length + 1 };
    }
    return { ok: false, missing: false, message: `invalid JSON: ${message}` };
  }
}

export async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
    throw err;
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Sub-folders of `dir`, sorted; none when `dir` does not exist. Hidden folders are skipped. */
export async function listDirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** Files under `dir` (recursively), as paths relative to `dir` with `/`, sorted; none when absent. */
export async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
      .sort();
  } catch {
    return [];
  }
}

/** Path shown in findings: relative to the root, `/`-separated. */
export function displayPath(root: string, path: string): string {
  return relative(root, path).split(sep).join('/') || '.';
}

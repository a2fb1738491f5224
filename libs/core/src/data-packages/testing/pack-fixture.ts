import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { listFiles } from '../package-files';

/** The complete, lint-clean pack every linter fixture starts from. */
export const VALID_PACK_FIXTURE = resolve(__dirname, '../../../../../test/fixtures/data-packages/packs/valid');

/**
 * A pack's files by path relative to its folder: `.json` files parsed, others as text. Fixtures are
 * deliberately wrong in every possible way, so the values are untyped.
 */
export type PackFixtureFiles = Record<string, any>;

/**
 * Writes `<root>/<id>/`: the valid fixture pack with its id set to `id`, then changed by `edit`. A file
 * set to `undefined` is left out; a string is written as it is (to write broken JSON), anything else
 * as JSON. Returns the pack folder.
 */
export async function writePackFixture(root: string, id: string, edit?: (files: PackFixtureFiles) => void): Promise<string> {
  const files: PackFixtureFiles = {};
  for (const path of await listFiles(VALID_PACK_FIXTURE)) {
    const text = await readFile(join(VALID_PACK_FIXTURE, path), 'utf8');
    files[path] = path.endsWith('.json') ? JSON.parse(text) : text;
  }
  files['pack.json'].id = id;
  edit?.(files);
  const dir = join(root, id);
  for (const [path, value] of Object.entries(files)) {
    if (value === undefined) continue;
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

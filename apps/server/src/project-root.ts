import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (holding package.json "tero-voice"), from source or from dist/. */
export function projectRoot(start = __dirname): string {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'tero-voice') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no tero-voice package.json above ${start}`);
    dir = parent;
  }
}

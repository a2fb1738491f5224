import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A theme stylesheet or script as served. */
export interface ThemeAsset {
  body: string;
  contentType: string;
  /** Strong validator of the content, for `If-None-Match`. */
  etag: string;
}

/** `<name>.css` or `<name>.js`: no path separators, dots or other kinds of file. */
const ASSET_FILE = /^[a-z0-9][a-z0-9-]*\.(css|js)$/;
const CONTENT_TYPES: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8' };

/**
 * Serves the stylesheets and page scripts of installed themes (`themes/<id>/assets/<name>.css|js`) at
 * `/themes/<id>/<name>.css|js`, so that a theme's layout can link the default theme's base stylesheet and
 * add only its own overrides, and browsers cache both. Only installed themes and plain `.css`/`.js` names
 * are served; files are read once and kept (misses are not).
 */
export class ThemeAssets {
  private readonly cache = new Map<string, Promise<ThemeAsset | null>>();

  constructor(
    private readonly themesDir: string,
    private readonly isInstalled: (themeId: string) => boolean,
  ) {}

  /** The file, or `null` when the theme is not installed or has no such file. */
  get(themeId: string, file: string): Promise<ThemeAsset | null> {
    if (!this.isInstalled(themeId) || !ASSET_FILE.test(file)) return Promise.resolve(null);
    const key = `${themeId}/${file}`;
    let asset = this.cache.get(key);
    if (!asset) {
      asset = readFile(join(this.themesDir, themeId, 'assets', file), 'utf8').then(
        (body) => ({ body, contentType: CONTENT_TYPES[file.slice(file.lastIndexOf('.') + 1)]!, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` }),
        () => {
          // Not kept: a cache of misses would grow with every name a client makes up.
          this.cache.delete(key);
          return null;
        },
      );
      this.cache.set(key, asset);
    }
    return asset;
  }
}

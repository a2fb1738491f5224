import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MONITORING_PLOTS_SCRIPT } from './monitoring-plots.script';

export interface StaticAsset {
  body: Buffer;
  contentType: string;
  /** Strong validator of the content. */
  etag: string;
}

const asset = (body: Buffer, contentType: string): StaticAsset => ({ body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });

/**
 * The monitoring page's static files, served by the server itself (no CDN): uPlot's script and stylesheet
 * from the installed package, and the page's own script. Their URLs carry uPlot's version or the script's
 * hash, so a browser may keep them for a year: a new release changes the URL. Read once, at first use.
 */
export class MonitoringAssets {
  private files: Map<string, StaticAsset> | null = null;
  private urls: { uplotJs: string; uplotCss: string; plotsJs: string } | null = null;

  constructor(private readonly rootDir: string) {}

  /** `/assets/uplot/<version>/uPlot.iife.min.js`, its stylesheet, and `/assets/monitoring/<hash>/plots.js`. */
  paths(): { uplotJs: string; uplotCss: string; plotsJs: string } {
    this.load();
    return this.urls!;
  }

  /** The file at `path`, or null (an unknown file, or a URL of another version). */
  get(path: string): StaticAsset | null {
    this.load();
    return this.files!.get(path) ?? null;
  }

  private load(): void {
    if (this.files) return;
    const dir = join(this.rootDir, 'node_modules', 'uplot');
    const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    const script = Buffer.from(MONITORING_PLOTS_SCRIPT, 'utf8');
    const hash = createHash('sha256').update(script).digest('hex').slice(0, 12);
    this.urls = {
      uplotJs: `/assets/uplot/${version}/uPlot.iife.min.js`,
      uplotCss: `/assets/uplot/${version}/uPlot.min.css`,
      plotsJs: `/assets/monitoring/${hash}/plots.js`,
    };
    this.files = new Map([
      [this.urls.uplotJs, asset(readFileSync(join(dir, 'dist', 'uPlot.iife.min.js')), 'text/javascript; charset=utf-8')],
      [this.urls.uplotCss, asset(readFileSync(join(dir, 'dist', 'uPlot.min.css')), 'text/css; charset=utf-8')],
      [this.urls.plotsJs, asset(script, 'text/javascript; charset=utf-8')],
    ]);
  }
}

/** Whether a `Authorization: Bearer <token>` header carries `expected`, compared in constant time (over hashes, so lengths do not leak either). */
export function bearerMatches(header: string | string[] | undefined, expected: string | undefined): boolean {
  if (!expected || typeof header !== 'string') return false;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match) return false;
  const given = createHash('sha256').update(match[1]!).digest();
  const wanted = createHash('sha256').update(expected).digest();
  // Both are SHA-256 digests: equal lengths, as timingSafeEqual requires.
  return timingSafeEqual(given, wanted);
}

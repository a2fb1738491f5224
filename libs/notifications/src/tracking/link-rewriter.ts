/** Links left alone: the unsubscribe link (already signed) and anything but http(s). */
export interface RewriteOptions {
  /** The tracked URL for a link of the message. */
  track: (url: string) => string;
  /** URLs not to rewrite (the unsubscribe link). */
  keep?: ReadonlySet<string>;
  /** The open pixel's URL, added before `</body>` (or at the end). */
  pixelUrl?: string;
}

const HREF = /(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2/gi;

const decode = (value: string) => value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
const encode = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Rewrites the http(s) links of a rendered message to their tracked form and adds the open pixel. Works on
 * our own templates' output (attributes quoted, entities escaped by Handlebars), not arbitrary HTML.
 */
export function rewriteLinks(html: string, options: RewriteOptions): string {
  let out = html.replace(HREF, (whole, start: string, quote: string, raw: string) => {
    const url = decode(raw);
    if (!/^https?:\/\//i.test(url) || options.keep?.has(url)) return whole;
    return `${start}${quote}${encode(options.track(url))}${quote}`;
  });
  if (options.pixelUrl) {
    const pixel = `<img src="${encode(options.pixelUrl)}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`;
    const at = out.search(/<\/body>/i);
    out = at >= 0 ? `${out.slice(0, at)}${pixel}${out.slice(at)}` : `${out}${pixel}`;
  }
  return out;
}

import { rewriteLinks } from './link-rewriter';

describe('rewriteLinks', () => {
  const track = (url: string) => `https://t.example/c?u=${encodeURIComponent(url)}`;

  it('tracks http(s) links (entities decoded, re-escaped), leaves mailto, anchors and kept links, and adds the pixel before </body>', () => {
    const html = [
      '<html><body>',
      '<a href="https://a.example/x?p=1&amp;q=2">one</a>',
      "<a class='b' href='http://b.example/'>two</a>",
      '<a href="mailto:desk@example.test">mail</a>',
      '<a href="#top">top</a>',
      '<a href="https://u.example/unsub">unsubscribe</a>',
      '</body></html>',
    ].join('');
    const out = rewriteLinks(html, { track, keep: new Set(['https://u.example/unsub']), pixelUrl: 'https://t.example/o?a=1&b=2' });

    expect(out).toContain(`<a href="${track('https://a.example/x?p=1&q=2').replace(/&/g, '&amp;')}">one</a>`);
    expect(out).toContain(`<a class='b' href='${track('http://b.example/')}'>two</a>`);
    expect(out).toContain('<a href="mailto:desk@example.test">mail</a>');
    expect(out).toContain('<a href="#top">top</a>');
    expect(out).toContain('<a href="https://u.example/unsub">unsubscribe</a>');
    expect(out).toMatch(/<img src="https:\/\/t\.example\/o\?a=1&amp;b=2" width="1" height="1"[^>]*><\/body><\/html>$/);
  });

  it('appends the pixel when there is no body tag, and adds none when not asked', () => {
    expect(rewriteLinks('<p>x</p>', { track, pixelUrl: 'https://t.example/o' })).toMatch(/^<p>x<\/p><img src="https:\/\/t\.example\/o"/);
    expect(rewriteLinks('<p>x</p>', { track })).toBe('<p>x</p>');
  });
});

import { join } from 'node:path';
import { ThemeAssets } from './theme-assets';

const themesDir = join(__dirname, '../../../../themes');

describe('ThemeAssets', () => {
  const assets = new ThemeAssets(themesDir, (id) => id === 'default' || id === 'harbor');

  it('serves an installed theme’s stylesheet with a content type and a stable ETag', async () => {
    const css = await assets.get('default', 'theme.css');
    expect(css).toMatchObject({ contentType: 'text/css; charset=utf-8', etag: expect.stringMatching(/^"[\w-]{27}"$/) });
    expect(css!.body).toContain('.topbar');
    expect((await assets.get('default', 'theme.css'))!.etag).toBe(css!.etag);
  });

  it('harbor’s stylesheet holds only its overrides of the default base', async () => {
    const base = (await assets.get('default', 'theme.css'))!.body;
    const harbor = (await assets.get('harbor', 'theme.css'))!.body;
    const rules = (css: string) => css.replace(/\/\*[\s\S]*?\*\//g, '').split('\n').map((l) => l.trim()).filter(Boolean);
    expect(rules(harbor).length).toBeGreaterThan(0);
    expect(rules(harbor).filter((rule) => rules(base).includes(rule))).toEqual([]);
  });

  it('serves nothing outside an installed theme’s assets, nor other kinds of file', async () => {
    for (const [theme, file] of [['unknown', 'theme.css'], ['default', '../theme.json'], ['default', 'theme.json'], ['default', '.theme.css'], ['default', 'missing.css'], ['..', 'theme.css']]) {
      expect(await assets.get(theme, file)).toBeNull();
    }
  });
});

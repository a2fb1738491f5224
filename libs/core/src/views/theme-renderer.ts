import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import type { i18n as I18nInstance } from 'i18next';
import type { ThemeTokens } from '@tero/sdk';

export { THEME_ENGINE_VERSION } from '@tero/sdk';

interface CompiledTheme {
  id: string;
  name: string;
  tokens: ThemeTokens;
  css: string;
  layout: Handlebars.TemplateDelegate;
  pages: Map<string, Handlebars.TemplateDelegate>;
}

export interface RenderOptions {
  locale: string;
  /** A brand's overrides of the theme's tokens (validated colours). */
  tokens?: Record<string, string>;
  title?: string;
  data: Record<string, unknown>;
}

/**
 * Renders pages through a theme: `layouts/main.hbs` around `pages/<page>.hbs`, with the theme's
 * partials and tokens, and `t` bound to the reader's language. Every theme is compiled at boot, each in
 * its own Handlebars environment, so a brand switching theme changes its next page without a restart.
 * Templates run with prototype access off (Handlebars' default) and only the helpers registered here.
 */
export class ThemeRenderer {
  private constructor(
    private readonly themes: Map<string, CompiledTheme>,
    private readonly i18n: I18nInstance,
  ) {}

  static load(themesDir: string, i18n: I18nInstance, isValid: (themeDir: string) => boolean = () => true): ThemeRenderer {
    const themes = new Map<string, CompiledTheme>();
    for (const id of existsSync(themesDir) ? readdirSync(themesDir) : []) {
      const dir = join(themesDir, id);
      if (!existsSync(join(dir, 'theme.json')) || !isValid(dir)) continue;
      themes.set(id, compileTheme(dir, id));
    }
    if (!themes.has('default')) throw new Error(`theme "default" is missing or invalid under ${themesDir}`);
    return new ThemeRenderer(themes, i18n);
  }

  list(): { id: string; name: string }[] {
    return [...this.themes.values()].map(({ id, name }) => ({ id, name }));
  }

  has(themeId: string): boolean {
    return this.themes.has(themeId);
  }

  /** A theme's colour tokens (the brand's overrides are applied by the caller); undefined for an unknown theme. */
  tokensOf(themeId: string): Record<string, string> | undefined {
    const theme = this.themes.get(themeId);
    return theme ? { ...theme.tokens } : undefined;
  }

  render(themeId: string, page: string, options: RenderOptions): string {
    const theme = this.themes.get(themeId) ?? this.themes.get('default')!;
    const template = theme.pages.get(page) ?? this.themes.get('default')!.pages.get(page);
    if (!template) throw new Error(`page "${page}" exists in neither theme "${theme.id}" nor "default"`);
    const tokens = { ...theme.tokens, ...(options.tokens ?? {}) };
    const t = this.i18n.getFixedT(options.locale);
    const helpers = {
      t: (key: string, hash?: { hash?: Record<string, unknown> }) => t(key, hash?.hash ?? {}),
      formatDate: (value: unknown) => (value ? new Intl.DateTimeFormat(options.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(String(value))) : ''),
      formatNumber: (value: unknown) => new Intl.NumberFormat(options.locale).format(Number(value) || 0),
    };
    const context = { ...options.data, locale: options.locale, tokens, themeCss: theme.css };
    const body = template(context, { helpers });
    return theme.layout({ ...context, body, title: options.title ?? '' }, { helpers });
  }
}

function compileTheme(dir: string, id: string): CompiledTheme {
  const manifest = JSON.parse(readFileSync(join(dir, 'theme.json'), 'utf8')) as { name: string; tokens: ThemeTokens };
  const hbs = Handlebars.create();
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('not', (a: unknown) => !a);
  hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hbs.registerHelper('json', (value: unknown) => new hbs.SafeString(JSON.stringify(value).replace(/</g, '\\u003c')));
  const compile = (file: string) => hbs.compile(readFileSync(file, 'utf8'), { strict: false, knownHelpersOnly: false });
  const partialsDir = join(dir, 'partials');
  for (const file of existsSync(partialsDir) ? readdirSync(partialsDir) : []) {
    if (file.endsWith('.hbs')) hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(partialsDir, file), 'utf8'));
  }
  const pages = new Map<string, Handlebars.TemplateDelegate>();
  const pagesDir = join(dir, 'pages');
  for (const file of existsSync(pagesDir) ? readdirSync(pagesDir) : []) {
    if (file.endsWith('.hbs')) pages.set(basename(file, '.hbs'), compile(join(pagesDir, file)));
  }
  const cssFile = join(dir, 'assets', 'theme.css');
  return {
    id,
    name: manifest.name,
    tokens: manifest.tokens,
    css: existsSync(cssFile) ? readFileSync(cssFile, 'utf8') : '',
    layout: compile(join(dir, 'layouts', 'main.hbs')),
    pages,
  };
}

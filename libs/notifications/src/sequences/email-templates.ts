import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { i18n as I18nInstance } from 'i18next';

/** The brand as its mail shows it. */
export interface EmailBrand {
  name: string;
  logoUrl?: string | null;
}

export interface RenderEmailInput {
  themeId: string;
  /** The theme's tokens with the brand's overrides laid over them. */
  tokens: Record<string, string>;
  brand: EmailBrand;
  locale: string;
  /** Key of the words in the `emails` namespace: `onboarding.welcome` has `subject`, `heading`, `body`, `cta`. */
  templateId: string;
  /** Interpolated into the words (`{{name}}`, `{{business}}`…). */
  vars: Record<string, string | number>;
  /** Where the call-to-action button leads; no button without it. */
  ctaUrl?: string;
  /** Shown in the footer of non-transactional mail. */
  unsubscribeUrl?: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** The optional page a theme gives for confirming an unsubscribe, rendered like an e-mail (no session, no header). */
export interface UnsubscribePageInput {
  themeId: string;
  tokens: Record<string, string>;
  brand: EmailBrand;
  locale: string;
  email: string;
  category: string;
  action: string;
  done: boolean;
}

interface CompiledEmails {
  html: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
  unsubscribe?: Handlebars.TemplateDelegate;
}

/**
 * Renders e-mails through a theme's `emails/` folder: `layout.hbs` (HTML, the theme's tokens inlined since
 * mail clients drop style sheets), `layout.txt.hbs` (the plain-text alternative) and `unsubscribe.hbs`
 * (the confirm page). A theme without them falls back to `default`'s. The words come from i18next's
 * `emails` namespace in the reader's language; templates get the theme helpers only (`t`, `if`, `each`…).
 */
export class EmailTemplates {
  private constructor(
    private readonly themes: Map<string, CompiledEmails>,
    private readonly i18n: I18nInstance,
  ) {}

  static load(themesDir: string, i18n: I18nInstance): EmailTemplates {
    const themes = new Map<string, CompiledEmails>();
    for (const id of existsSync(themesDir) ? readdirSync(themesDir) : []) {
      const dir = join(themesDir, id, 'emails');
      if (!existsSync(join(dir, 'layout.hbs')) || !existsSync(join(dir, 'layout.txt.hbs'))) continue;
      const html = Handlebars.create();
      const text = Handlebars.create();
      const unsubscribeFile = join(dir, 'unsubscribe.hbs');
      themes.set(id, {
        html: html.compile(readFileSync(join(dir, 'layout.hbs'), 'utf8'), { strict: false }),
        text: text.compile(readFileSync(join(dir, 'layout.txt.hbs'), 'utf8'), { strict: false, noEscape: true }),
        unsubscribe: existsSync(unsubscribeFile) ? html.compile(readFileSync(unsubscribeFile, 'utf8'), { strict: false }) : undefined,
      });
    }
    if (!themes.has('default')) throw new Error(`theme "default" has no emails/layout.hbs and emails/layout.txt.hbs under ${themesDir}`);
    return new EmailTemplates(themes, i18n);
  }

  /** Whether the words of a template exist (its subject), in English at least. */
  has(templateId: string): boolean {
    return this.i18n.exists(`emails:${templateId}.subject`, { lng: 'en' });
  }

  render(input: RenderEmailInput): RenderedEmail {
    if (!this.has(input.templateId)) throw new Error(`e-mail template "${input.templateId}" has no words in locales/*/emails.json`);
    const theme = this.themes.get(input.themeId) ?? this.themes.get('default')!;
    const t = this.i18n.getFixedT(input.locale, 'emails');
    const vars = { brand: input.brand.name, ...input.vars };
    const word = (key: string) => t(`${input.templateId}.${key}`, { ...vars, defaultValue: '' });
    const body = word('body');
    const cta = input.ctaUrl && word('cta') ? { label: word('cta'), url: input.ctaUrl } : null;
    const context = {
      locale: input.locale,
      tokens: input.tokens,
      brand: { name: input.brand.name, logoUrl: input.brand.logoUrl ?? null },
      subject: word('subject'),
      preheader: body.split('\n')[0],
      heading: word('heading'),
      paragraphs: body.split(/\n{2,}/).filter((p) => p.trim() !== ''),
      cta,
      signature: t('layout.signature', vars),
      unsubscribeUrl: input.unsubscribeUrl ?? null,
    };
    const helpers = this.helpers(input.locale);
    return {
      subject: context.subject,
      html: theme.html(context, { helpers }),
      text: theme.text(context, { helpers }).replace(/\n{3,}/g, '\n\n').trim() + '\n',
    };
  }

  /** The confirm (or done) page of an unsubscribe link, as a whole HTML document. */
  renderUnsubscribePage(input: UnsubscribePageInput): string {
    const theme = this.themes.get(input.themeId)?.unsubscribe ? this.themes.get(input.themeId)! : this.themes.get('default')!;
    if (!theme.unsubscribe) throw new Error('theme "default" has no emails/unsubscribe.hbs');
    const categoryLabel = this.i18n.getFixedT(input.locale, 'emails')(`categories.${input.category}`, { defaultValue: input.category });
    return theme.unsubscribe(
      { locale: input.locale, tokens: input.tokens, brand: input.brand, email: input.email, categoryLabel, action: input.action, done: input.done },
      { helpers: this.helpers(input.locale) },
    );
  }

  /** The theme helpers templates may call (the linter holds them to `THEME_HELPERS`). */
  private helpers(locale: string): Record<string, Handlebars.HelperDelegate> {
    const t = this.i18n.getFixedT(locale);
    return {
      t: (key: string, options?: { hash?: Record<string, unknown> }) => t(key, options?.hash ?? {}),
      eq: (a: unknown, b: unknown) => a === b,
      not: (a: unknown) => !a,
      and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
      or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
      formatDate: (value: unknown) => (value ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(String(value))) : ''),
      formatNumber: (value: unknown) => new Intl.NumberFormat(locale).format(Number(value) || 0),
    };
  }
}

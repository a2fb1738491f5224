import { Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { type PromptAuthor, type PromptIssue, PromptTemplateError, type PromptVersionView, type TalkAnswer, diffStats, sideBySide } from '@tero/onboarding';
import { TeroError, type TenantContext } from '@tero/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../http/page-errors';
import { tenantContextOf } from '../http/request-context';
import { admitSpend } from '../http/spend-limits';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { checkedForm, errorWords, say, sendPage, utcTime } from '../pages/page-kit';

type Form = Record<string, unknown>;
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const LOCALE = /^[a-z]{2}(-[A-Z]{2})?$/;
const SESSION_ID = /^[A-Za-z0-9_-]{1,40}$/;
/** The tags the editor lists: the facts and helpers a template may use (`PROMPT_VARIABLES`, `PROMPT_HELPERS`). */
const TAGS = [
  '{{business.name}}',
  '{{business.phone}}',
  '{{business.address}}',
  '{{agent.name}}',
  '{{formatHours hours}}',
  '{{#each services}}{{name}} {{formatMoney price}}{{/each}}',
  '{{#each faq}}{{question}} {{answer}}{{/each}}',
  '{{#if (eq locale "fr")}}…{{/if}}',
];

/** What a page shows beyond the stored state: the form as posted, its problems, a preview, a conversation. */
interface PageExtra {
  error?: string;
  notice?: string;
  issues?: PromptIssue[];
  values?: { systemPrompt: string; greeting: string; note: string };
  preview?: { systemPrompt: string; greeting: string };
  talk?: TalkAnswer & { use: 'draft' | 'published' };
}

/**
 * The agent's prompt page, `/agent/prompt`, for the client's owner (and its brand's admin) on the client's
 * host: the draft or published templates in an editor with a preview over the client's real facts and
 * problems at line:column, save / publish / discard, the history (who, when, note, status) with a diff
 * between versions and rollback, "talk to your agent" with the draft or the published prompt, and the
 * pack's scenarios run on the draft as a job whose report the page shows. Every form is CSRF-checked;
 * bad input shows the page again with the reason and saves nothing.
 */
@Controller()
export class PromptsPagesController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  private access(request: FastifyRequest): { ctx: TenantContext; author: PromptAuthor } | null {
    const { principal, host } = request.tero;
    if (!principal) return null;
    if (host.kind !== 'client' || !['client_owner', 'brand_admin'].includes(principal.role)) throw new ForbiddenError();
    return { ctx: tenantContextOf(request.tero), author: { userId: principal.userId, name: principal.name } };
  }

  private async locale(ctx: TenantContext, asked: unknown): Promise<{ locale: string; locales: string[] }> {
    const { locales, defaultLocale } = await this.kernel.prompts.locales(ctx);
    const wanted = str(asked);
    return { locale: LOCALE.test(wanted) && locales.includes(wanted) ? wanted : defaultLocale, locales };
  }

  private issueText(request: FastifyRequest, issue: PromptIssue) {
    return {
      field: say(this.kernel, request, `prompts:field.${issue.field}`),
      fieldId: issue.field,
      line: issue.line,
      column: issue.column,
      message: say(this.kernel, request, `prompts:issue.${issue.code}`, { name: issue.detail, max: issue.detail, detail: issue.detail }),
    };
  }

  private versionRow(request: FastifyRequest, version: PromptVersionView, locale: string, publishedNumber: number | null) {
    return {
      number: version.number,
      status: version.status,
      statusLabel: say(this.kernel, request, `prompts:status.${version.status}`),
      author: version.authorName,
      when: utcTime(request, version.publishedAt ?? version.createdAt),
      note: version.note,
      copiedFrom: version.copiedFrom,
      canRollback: version.status === 'superseded',
      diffUrl: `/agent/prompt/diff?locale=${locale}&from=${version.number > 1 ? version.number - 1 : 0}&to=${version.number}`,
      diffCurrentUrl: publishedNumber !== null && publishedNumber !== version.number ? `/agent/prompt/diff?locale=${locale}&from=${version.number}&to=${publishedNumber}` : null,
    };
  }

  private report(request: FastifyRequest, draft: PromptVersionView | null) {
    const report = draft?.scenarioReport;
    if (!report) return null;
    const passed = report.results.filter((r) => r.passed).length;
    return {
      state: report.state,
      running: report.state === 'running',
      failed: report.state === 'failed',
      error: report.error ?? null,
      engineId: report.engineId,
      done: report.results.length,
      total: report.total,
      passed,
      allPassed: report.state === 'done' && passed === report.total,
      finishedAt: utcTime(request, report.finishedAt),
      results: report.results.map((r) => ({ ...r, misses: r.misses.join('; ') })),
    };
  }

  private async page(request: FastifyRequest, reply: FastifyReply, query: Form, extra: PageExtra = {}, status = 200) {
    const who = this.access(request);
    if (!who) return reply.redirect('/login', 303);
    const { ctx } = who;
    const prompts = this.kernel.prompts;
    const { locale, locales } = await this.locale(ctx, query.locale);
    const [current, draft, history, engineId] = await Promise.all([
      prompts.current(ctx, locale),
      prompts.draft(ctx, locale),
      prompts.history(ctx, locale),
      this.engineOf(ctx),
    ]);
    const shown = extra.values ?? {
      systemPrompt: draft?.systemPrompt ?? current.templates.systemPrompt,
      greeting: draft?.greeting ?? current.templates.greeting,
      note: draft?.note ?? '',
    };
    const fromSetup = str(query.from) === 'setup';
    const report = this.report(request, draft);
    return sendPage(this.kernel, request, reply, 'prompt', {
      title: say(this.kernel, request, 'prompts:title'),
      error: extra.error,
      notice: extra.notice,
      fromSetup,
      locale,
      locales: locales.map((l) => ({ code: l, current: l === locale, url: `/agent/prompt?locale=${l}${fromSetup ? '&from=setup' : ''}` })),
      values: shown,
      tags: TAGS,
      issues: (extra.issues ?? []).map((i) => this.issueText(request, i)),
      preview: extra.preview ?? null,
      published: current.source === 'client' ? { number: current.version } : null,
      draft: draft ? { number: draft.number, author: draft.authorName, when: utcTime(request, draft.createdAt) } : null,
      report,
      scenariosNotRun: draft !== null && report === null,
      scenariosFailed: report !== null && report.state === 'done' && !report.allPassed,
      builtinEngine: engineId === 'builtin',
      engineId,
      history: history.map((v) => this.versionRow(request, v, locale, current.version)),
      talk: extra.talk
        ? { ...extra.talk, usesDraft: extra.talk.use === 'draft', endedLabel: extra.talk.ended ? say(this.kernel, request, `prompts:talk.ended.${extra.talk.ended}`) : null }
        : null,
      talkUse: extra.talk?.use ?? (draft ? 'draft' : 'published'),
      hasDraft: draft !== null,
    }, status);
  }

  private async engineOf(ctx: TenantContext): Promise<string> {
    const state = await this.kernel.telephony.directory.client(ctx.brandId, ctx.clientId!);
    return state?.profile?.engine ?? 'builtin';
  }

  /** Runs a form's action; a refusal shows the page again with the reason, the rest goes to the error page. */
  private async act(request: FastifyRequest, reply: FastifyReply, run: (ctx: TenantContext, author: PromptAuthor, form: Form, locale: string) => Promise<PageExtra | string>) {
    const who = this.access(request);
    if (!who) return reply.redirect('/login', 303);
    const form = checkedForm(this.kernel, request);
    const { locale } = await this.locale(who.ctx, form.locale);
    const back = { locale, from: form.from };
    try {
      const done = await run(who.ctx, who.author, form, locale);
      if (typeof done === 'string') return reply.redirect(`/agent/prompt?locale=${locale}${str(form.from) === 'setup' ? '&from=setup' : ''}&done=${done}`, 303);
      return this.page(request, reply, back, done);
    } catch (error) {
      const values = { systemPrompt: str(form.systemPrompt), greeting: str(form.greeting), note: str(form.note) };
      const keep = 'systemPrompt' in form ? { values } : {};
      if (error instanceof PromptTemplateError) return this.page(request, reply, back, { ...keep, issues: error.issues, error: errorWords(this.kernel, request, error) }, 400);
      if (error instanceof TeroError && !(error instanceof ForbiddenError) && (error.options.status ?? 400) < 500) {
        return this.page(request, reply, back, { ...keep, error: errorWords(this.kernel, request, error) }, error.options.status ?? 400);
      }
      throw error;
    }
  }

  @Get('/agent/prompt')
  async show(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query() query: Form) {
    const done = str(query.done);
    const notice = ['saved', 'published', 'discarded', 'rolledBack', 'scenarios'].includes(done) ? say(this.kernel, request, `prompts:notice.${done}`) : undefined;
    return this.page(request, reply, query, { notice });
  }

  @Post('/agent/prompt/save')
  async save(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.act(request, reply, async (ctx, author, form, locale) => {
      const templates = { systemPrompt: str(form.systemPrompt), greeting: str(form.greeting) };
      if (str(form.action) === 'preview') {
        const preview = await this.kernel.prompts.preview(ctx, { locale, ...templates });
        return { values: { ...templates, note: str(form.note) }, preview, notice: say(this.kernel, request, 'prompts:notice.previewed') };
      }
      await this.kernel.prompts.saveDraft(ctx, author, { locale, ...templates, note: str(form.note) });
      return 'saved';
    });
  }

  @Post('/agent/prompt/publish')
  async publish(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.act(request, reply, async (ctx, _author, _form, locale) => {
      await this.kernel.prompts.publish(ctx, locale);
      return 'published';
    });
  }

  @Post('/agent/prompt/discard')
  async discard(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.act(request, reply, async (ctx, _author, _form, locale) => {
      await this.kernel.prompts.discardDraft(ctx, locale);
      return 'discarded';
    });
  }

  @Post('/agent/prompt/rollback')
  async rollback(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.act(request, reply, async (ctx, author, form, locale) => {
      const number = Number(str(form.number));
      if (!Number.isInteger(number) || number < 1) throw new TeroError('prompts.version_not_found', 'no such version', { number: str(form.number).slice(0, 20) }, { status: 404 });
      await this.kernel.prompts.rollback(ctx, author, { locale, number, note: str(form.note) });
      return 'rolledBack';
    });
  }

  @Post('/agent/prompt/scenarios')
  async scenarios(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.act(request, reply, async (ctx, _author, _form, locale) => {
      await admitSpend(this.kernel, ctx, 'scenario_run', reply);
      await this.kernel.prompts.runScenarios(ctx, locale);
      return 'scenarios';
    });
  }

  @Post('/agent/prompt/talk')
  async talk(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.act(request, reply, async (ctx, _author, form, locale) => {
      const use = str(form.use) === 'published' ? 'published' : 'draft';
      const sessionId = SESSION_ID.test(str(form.sessionId)) && str(form.restart) !== 'yes' ? str(form.sessionId) : null;
      await admitSpend(this.kernel, ctx, 'agent_talk', reply);
      const answer = await this.kernel.prompts.talk(ctx, { locale, use, sessionId, text: str(form.text) });
      return { talk: { ...answer, use } };
    });
  }

  @Get('/agent/prompt/diff')
  async diff(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query() query: Form) {
    const who = this.access(request);
    if (!who) return reply.redirect('/login', 303);
    const { locale } = await this.locale(who.ctx, query.locale);
    const from = Number(str(query.from));
    const to = Number(str(query.to));
    const render = (data: Record<string, unknown>, status: number) =>
      sendPage(this.kernel, request, reply, 'prompt-diff', { title: say(this.kernel, request, 'prompts:diff.title'), locale, backUrl: `/agent/prompt?locale=${locale}`, ...data }, status);
    if (![from, to].every((n) => Number.isInteger(n) && n >= 0)) {
      return render({ error: say(this.kernel, request, 'errors:prompts.version_not_found', { number: `${str(query.from).slice(0, 10)}/${str(query.to).slice(0, 10)}` }) }, 404);
    }
    try {
      const diff = await this.kernel.prompts.diff(who.ctx, locale, from, to);
      const label = (n: number) => (n === 0 ? say(this.kernel, request, 'prompts:diff.pack') : say(this.kernel, request, 'prompts:diff.version', { number: n }));
      const field = (key: 'systemPrompt' | 'greeting') => ({
        name: say(this.kernel, request, `prompts:field.${key}`),
        rows: sideBySide(diff[key]),
        ...diffStats(diff[key]),
        unchanged: diff[key].every((line) => line.kind === 'same'),
      });
      return render({ fromLabel: label(from), toLabel: label(to), fields: [field('systemPrompt'), field('greeting')] }, 200);
    } catch (error) {
      if (error instanceof TeroError && (error.options.status ?? 400) < 500) return render({ error: errorWords(this.kernel, request, error) }, error.options.status ?? 400);
      throw error;
    }
  }
}

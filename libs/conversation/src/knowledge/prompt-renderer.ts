import Handlebars from 'handlebars';
import { PROMPT_HELPERS, WEEKDAYS, type Money, type PromptContext } from '@tero/sdk';
import { formatClock, formatMoney, weekdayName } from '../spoken-format';

/**
 * Renders a pack's greeting and system prompt templates over a {@link PromptContext}, with exactly the
 * helpers the pack linter allows (`PROMPT_HELPERS`). The output is text for a voice or an LLM, not
 * HTML, so nothing is escaped. Compiled templates are kept by source, since every client of a pack
 * shares them.
 */

/** Data the renderer passes beside the context: the locale's word for a closed day. */
interface RenderData {
  closedWord: string;
}

const hbs = Handlebars.create();

hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);

hbs.registerHelper('formatMoney', function (this: unknown, price: Money, options: Handlebars.HelperOptions) {
  return formatMoney(price, (options.data.root as PromptContext).locale);
});

hbs.registerHelper('formatHours', function (this: unknown, hours: PromptContext['hours'] | PromptContext['hours'][number], options: Handlebars.HelperOptions) {
  const locale = (options.data.root as PromptContext).locale;
  const { closedWord } = options.data as RenderData;
  const day = (entry: PromptContext['hours'][number]) =>
    entry.closed || entry.intervals.length === 0
      ? closedWord
      : entry.intervals.map(([open, close]) => `${formatClock(open, locale)} – ${formatClock(close, locale)}`).join(', ');
  return Array.isArray(hours) ? hours.map((entry) => `${entry.day}: ${day(entry)}`).join('\n') : day(hours);
});

const knownHelpers = Object.fromEntries(PROMPT_HELPERS.map((name) => [name, true]));
const compiled = new Map<string, Handlebars.TemplateDelegate<PromptContext>>();
/** Clients write their own templates too: the cache keeps the most recently used ones only. */
const MAX_COMPILED = 500;

/**
 * Renders `source` (a linted pack template, or a client's validated one) with `context`. Prototype
 * properties and methods stay out of reach whatever the template says (`{{constructor}}` renders nothing).
 */
export function renderPromptTemplate(source: string, context: PromptContext, closedWord: string): string {
  let template = compiled.get(source);
  if (template) {
    compiled.delete(source);
  } else {
    template = hbs.compile<PromptContext>(source, { knownHelpers, knownHelpersOnly: true, noEscape: true });
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
  }
  compiled.set(source, template);
  return template(context, {
    data: { closedWord } satisfies RenderData,
    allowProtoPropertiesByDefault: false,
    allowProtoMethodsByDefault: false,
    allowCallsToHelperMissing: false,
  }).trim();
}

/** The week as a {@link PromptContext} lists it: Monday first, day names in the locale. */
export function promptHours(hours: Record<string, [string, string][]>, locale: string): PromptContext['hours'] {
  return WEEKDAYS.map((key, index) => {
    const intervals = hours[key] ?? [];
    return { day: weekdayName(index, locale), closed: intervals.length === 0, intervals };
  });
}

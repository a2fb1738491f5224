import { PROMPT_HELPERS, PROMPT_VARIABLES } from '@tero/sdk';
import { parseTemplate, scanTemplate, typeFromPaths } from './template.scanner';

const promptOptions = { helpers: new Set<string>(PROMPT_HELPERS), context: typeFromPaths(PROMPT_VARIABLES), allowPartials: false };
const messages = (source: string, options = promptOptions) => {
  const scan = scanTemplate(source, options);
  if (!scan.ok) throw new Error(`unexpected syntax error: ${scan.syntaxError.message}`);
  return scan.issues.map((i) => i.message);
};

describe('typeFromPaths', () => {
  it('builds objects and lists from dotted paths', () => {
    expect(typeFromPaths(['a.b', 'list[].x', 'list[].y', 'top'])).toEqual({
      kind: 'object',
      fields: {
        a: { kind: 'object', fields: { b: { kind: 'leaf' } } },
        list: { kind: 'list', item: { kind: 'object', fields: { x: { kind: 'leaf' }, y: { kind: 'leaf' } } } },
        top: { kind: 'leaf' },
      },
    });
  });
});

describe('scanTemplate with the prompt context', () => {
  it('accepts every documented variable through each, with, ../, @root, this and block params', () => {
    const source = [
      '{{agent.name}} {{business.name}} {{business.phone}} {{business.address}} {{business.timezone}} {{locale}}',
      '{{#each services as |s i|}}{{s.name}} {{i}} {{this.durationMinutes}} {{formatMoney price}} {{../locale}} {{@index}}{{/each}}',
      '{{#each hours}}{{day}} {{#if closed}}-{{else}}{{formatHours this}}{{/if}}{{/each}}{{formatHours hours}}',
      '{{#each faq}}{{question}} {{answer}} {{@root.business.name}}{{#if @last}}.{{/if}}{{else}}none{{/each}}',
      '{{#with business as |b|}}{{name}} {{b.phone}}{{/with}}',
      '{{#unless (eq locale "en")}}x{{/unless}}',
    ].join('\n');
    expect(messages(source)).toEqual([]);
  });

  it('reports unknown variables, including fields read in the wrong context', () => {
    expect(messages('{{business.owner}} {{name}} {{#each services}}{{question}}{{/each}} {{services.name}}')).toEqual([
      'unknown variable "business.owner"',
      'unknown variable "name"',
      'unknown variable "question"',
      'unknown variable "services.name"',
    ]);
  });

  it('reports helpers that are not allowed, in mustaches, blocks and sub-expressions', () => {
    expect(messages('{{uppercase business.name}} {{#repeat 3}}x{{/repeat}} {{#if (gt 1 2)}}y{{/if}}')).toEqual([
      'unknown helper "uppercase"',
      'unknown helper "repeat"',
      'unknown helper "gt"',
    ]);
  });

  it('refuses partials, @index outside each, each over a non-list and with over a leaf', () => {
    expect(messages('{{> footer}}{{@index}}{{#each business}}x{{/each}}{{#with locale}}y{{/with}}')).toEqual([
      'partials are not available here',
      'unknown data variable "@index"',
      '"each" needs a list, and "business" is not one',
      '"with" needs an object, and "locale" is not one',
    ]);
  });

  it('reports positions 1-based', () => {
    const scan = scanTemplate('line one\n  {{nope}}', promptOptions);
    expect(scan.ok && scan.issues[0]).toMatchObject({ line: 2, column: 5 });
  });
});

describe('scanTemplate without a context (themes)', () => {
  const themeOptions = { helpers: new Set(['if', 'each', 't']), allowPartials: true };

  it('does not check variables, checks helpers and lists partials', () => {
    const scan = scanTemplate('{{anything.goes}} {{t "k"}} {{> header}} {{#> layout}}x{{/layout}} {{> @partial-block}} {{shout x}}', themeOptions);
    expect(scan.ok).toBe(true);
    if (!scan.ok) return;
    expect(scan.issues.map((i) => i.message)).toEqual(['unknown helper "shout"']);
    expect(scan.partials.map((p) => p.name)).toEqual(['header', 'layout']);
  });

  it('treats an unknown block as an unknown helper, not an implicit section', () => {
    const scan = scanTemplate('{{#items}}x{{/items}}', themeOptions);
    expect(scan.ok && scan.issues.map((i) => i.message)).toEqual(['unknown helper "items"']);
  });
});

describe('parseTemplate', () => {
  it('locates an unclosed mustache', () => {
    const parsed = parseTemplate('ok\n  {{name}\n');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toMatchObject({ line: 2, message: 'syntax error: unexpected text, expected }}' });
    expect(parsed.error.column).toBeGreaterThan(2);
  });

  it('locates a mismatched block close', () => {
    const parsed = parseTemplate('a\n{{#if x}}\n{{/each}}');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toEqual({ message: "if doesn't match each", line: 2, column: 4 });
  });
});

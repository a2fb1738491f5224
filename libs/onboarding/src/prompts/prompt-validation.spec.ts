import { PROMPT_LIMITS, validatePrompt, validatePromptTemplate } from './prompt-validation';

describe('validatePromptTemplate (a template a client wrote)', () => {
  it('accepts the documented facts and helpers', () => {
    const source = 'You answer for {{business.name}}.\n{{#each services}}- {{name}}: {{formatMoney price}}\n{{/each}}{{formatHours hours}}\n{{#if (eq locale "fr")}}Bonjour{{/if}}';
    expect(validatePromptTemplate('systemPrompt', source)).toEqual([]);
  });

  it.each([
    ['{{constructor}}', 'constructor', 1, 3],
    ['Hi\n  {{__proto__}}', '__proto__', 2, 5],
    ['{{business.constructor.name}}', 'constructor', 1, 3],
    ['{{#with constructor}}{{name}}{{/with}}', 'constructor', 1, 9],
    ['{{#each services}}{{this.constructor}}{{/each}}', 'constructor', 1, 21],
    ['{{#with (eq "a" "__proto__")}}x{{/with}}', '__proto__', 1, 17],
  ])('refuses prototype access in %j with its position', (source, name, line, column) => {
    const issues = validatePromptTemplate('systemPrompt', source);
    expect(issues).toContainEqual(expect.objectContaining({ code: 'forbidden', detail: name, line, column }));
    // One message per place: the forbidden name, not also an "unknown variable" there.
    expect(issues.filter((i) => i.line === line && i.column === column)).toHaveLength(1);
  });

  it('refuses lookup (not an allowed helper) when it reaches for the constructor', () => {
    const issues = validatePromptTemplate('systemPrompt', 'Hello\n{{lookup this "constructor"}}');
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'forbidden', detail: 'constructor', line: 2 }),
        expect.objectContaining({ code: 'helper', detail: 'lookup', line: 2, column: 3 }),
      ]),
    );
  });

  it('reports an unclosed block with its line and column', () => {
    const issues = validatePromptTemplate('systemPrompt', 'Line one\n{{#each services}}\n- {{name}}\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'syntax', field: 'systemPrompt' });
    expect(issues[0]!.line).toBeGreaterThanOrEqual(2);
    expect(issues[0]!.column).toBeGreaterThanOrEqual(1);
  });

  it('reports a mismatched close with the line of the block', () => {
    const [issue] = validatePromptTemplate('systemPrompt', 'a\n{{#if agent.name}}x{{/each}}');
    expect(issue).toMatchObject({ code: 'syntax', line: 2 });
    expect(issue!.detail).toContain("doesn't match");
  });

  it('reports an unclosed mustache with its position', () => {
    const [issue] = validatePromptTemplate('greeting', 'Hello\nthere {{agent.name\n');
    expect(issue).toMatchObject({ code: 'syntax', field: 'greeting' });
    expect(issue!.line).toBeGreaterThanOrEqual(2);
  });

  it('refuses helpers and variables that are not documented, and partials, with positions', () => {
    const issues = validatePromptTemplate('systemPrompt', '{{log "x"}}\n{{owner.email}}\n{{> secret}}');
    expect(issues.map((i) => [i.code, i.detail, i.line])).toEqual([
      ['helper', 'log', 1],
      ['variable', 'owner.email', 2],
      ['partial', 'partials are not available here', 3],
    ]);
  });

  it('has a size limit and refuses an empty template', () => {
    expect(validatePromptTemplate('systemPrompt', 'x'.repeat(PROMPT_LIMITS.systemPrompt + 1))).toEqual([
      expect.objectContaining({ code: 'too_long', detail: String(PROMPT_LIMITS.systemPrompt) }),
    ]);
    expect(validatePromptTemplate('greeting', 'x'.repeat(PROMPT_LIMITS.greeting + 1))[0]!.code).toBe('too_long');
    expect(validatePromptTemplate('greeting', '  \n')[0]!.code).toBe('empty');
  });

  it('checks both templates of a version and names the field', () => {
    const issues = validatePrompt({ systemPrompt: 'fine {{agent.name}}', greeting: 'Hi {{constructor}}' });
    expect(issues).toEqual([expect.objectContaining({ field: 'greeting', code: 'forbidden' })]);
  });
});

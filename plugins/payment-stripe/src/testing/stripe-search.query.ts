/**
 * The part of Stripe's search query language the fake answers: exact-match clauses joined by `AND`,
 * `field:'value'` or `metadata['key']:'value'` (a quote or backslash inside a value escaped with a
 * backslash). Anything else is refused, as Stripe refuses a query it cannot parse.
 */

export interface SearchClause {
  /** `['customer']` or `['metadata', 'tero_charge_key']`. */
  path: string[];
  value: string;
}

export class SearchQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchQueryError';
  }
}

function readQuoted(query: string, start: number, quote: string): { text: string; end: number } {
  let text = '';
  for (let i = start + 1; i < query.length; i++) {
    const c = query[i]!;
    if (c === '\\' && i + 1 < query.length) {
      text += query[++i];
    } else if (c === quote) {
      return { text, end: i + 1 };
    } else {
      text += c;
    }
  }
  throw new SearchQueryError(`unterminated string starting at ${start}`);
}

export function parseSearchQuery(query: string): SearchClause[] {
  const clauses: SearchClause[] = [];
  let i = 0;
  const skipSpaces = () => {
    while (query[i] === ' ') i++;
  };
  skipSpaces();
  while (i < query.length) {
    const field = /^[a-z_]+/.exec(query.slice(i));
    if (!field) throw new SearchQueryError(`expected a field name at ${i}`);
    i += field[0].length;
    const path = [field[0]];
    if (query[i] === '[') {
      const quote = query[i + 1];
      if (quote !== "'" && quote !== '"') throw new SearchQueryError(`expected a quoted key after ${field[0]}[`);
      const key = readQuoted(query, i + 1, quote);
      if (query[key.end] !== ']') throw new SearchQueryError(`expected ] after ${field[0]}['${key.text}'`);
      path.push(key.text);
      i = key.end + 1;
    }
    if (query[i] !== ':') throw new SearchQueryError(`only exact matches (field:'value') are supported, at ${i}`);
    i++;
    const quote = query[i];
    if (quote !== "'" && quote !== '"') throw new SearchQueryError(`expected a quoted value at ${i}`);
    const value = readQuoted(query, i, quote);
    clauses.push({ path, value: value.text });
    i = value.end;
    skipSpaces();
    if (i < query.length) {
      if (query.slice(i, i + 3) !== 'AND') throw new SearchQueryError(`expected AND at ${i}`);
      i += 3;
      skipSpaces();
      if (i >= query.length) throw new SearchQueryError('a query cannot end with AND');
    }
  }
  if (clauses.length === 0) throw new SearchQueryError('empty query');
  return clauses;
}

/** Whether an object matches every clause (exact string match on the named field or metadata key). */
export function matchesSearch(object: Record<string, unknown>, clauses: SearchClause[]): boolean {
  return clauses.every(({ path, value }) => {
    let current: unknown = object;
    for (const segment of path) current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[segment] : undefined;
    if (typeof current === 'object' && current !== null && 'id' in current) current = (current as { id: unknown }).id;
    return typeof current === 'string' && current === value;
  });
}

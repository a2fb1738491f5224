import { addDays } from '@tero/core';
import { badParameter, unknownParameter } from './api-keys.errors';

/** How one query parameter is read. */
export type ParamKind = 'date' | 'list' | 'limit' | 'cursor';

/** The parameters a route takes; anything else in the query is refused with its name. */
export type ParamSpec = Record<string, ParamKind | { kind: 'list'; values: readonly string[] }>;

export interface ParsedQuery {
  [name: string]: string | string[] | number | undefined;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The list's page size when none is asked for, and the most one page holds. */
export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;

function isRealDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * Reads a route's query: unknown names → 400 naming the parameter, bad values → 400 naming it with the
 * reason. Values are checked against fixed shapes (dates, numbers, known words), so nothing a caller
 * types reaches a query as anything but a plain, bound value.
 */
export function parseQuery(query: unknown, spec: ParamSpec): ParsedQuery {
  const raw = (query ?? {}) as Record<string, unknown>;
  const allowed = Object.keys(spec);
  const out: ParsedQuery = {};
  for (const [name, value] of Object.entries(raw)) {
    const rule = spec[name];
    if (!Object.hasOwn(spec, name) || !rule) throw unknownParameter(name, allowed);
    const kind = typeof rule === 'string' ? rule : rule.kind;
    if (kind === 'list') {
      const items = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);
      const values = typeof rule === 'string' ? null : rule.values;
      const wrong = values ? items.find((item) => !values.includes(item)) : undefined;
      if (wrong !== undefined) throw badParameter(name, `"${wrong.slice(0, 40)}" is not one of ${values!.join(', ')}`);
      if (items.length) out[name] = [...new Set(items)];
      continue;
    }
    if (typeof value !== 'string') throw badParameter(name, 'give it once');
    if (kind === 'date') {
      if (!isRealDate(value)) throw badParameter(name, 'a date YYYY-MM-DD');
      out[name] = value;
    } else if (kind === 'limit') {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < 1 || n > MAX_LIMIT) throw badParameter(name, `a whole number from 1 to ${MAX_LIMIT}`);
      out[name] = n;
    } else {
      out[name] = value;
    }
  }
  if (typeof out.from === 'string' && typeof out.to === 'string' && out.from > out.to) throw badParameter('from', 'must not be after to');
  return out;
}

/** The local dates `from`..`to` (inclusive), defaulting to the `days` ending today, at most `maxDays` long. */
export function dateRange(parsed: ParsedQuery, today: string, days: number, maxDays: number): { from: string; to: string } {
  const to = typeof parsed.to === 'string' ? parsed.to : typeof parsed.from === 'string' && parsed.from > today ? parsed.from : today;
  const from = typeof parsed.from === 'string' ? parsed.from : addDays(to, -(days - 1));
  if (from > to) throw badParameter('from', 'must not be after to');
  if (addDays(from, maxDays - 1) < to) throw badParameter('to', `a range of at most ${maxDays} days`);
  return { from, to };
}

import type Handlebars from 'handlebars';
import { parseTemplate, scanTemplate, typeFromPaths } from '@tero/core';
import { PROMPT_HELPERS, PROMPT_VARIABLES, TeroError } from '@tero/sdk';

/**
 * Checks a prompt template a client wrote. It is untrusted: it may only read the documented facts
 * (`PROMPT_VARIABLES`) with the documented helpers (`PROMPT_HELPERS`), never an object's prototype, and it
 * has a size limit. Every problem comes back with its line and column, so the editor can point at it.
 * The renderer also runs templates without prototype access; refusing the names here says why at once
 * instead of rendering nothing.
 */

/** The two templates of a prompt version. */
export const PROMPT_FIELDS = ['systemPrompt', 'greeting'] as const;
export type PromptField = (typeof PROMPT_FIELDS)[number];

/** Characters a template may have: a system prompt is a page or two; a greeting is one or two sentences. */
export const PROMPT_LIMITS: Record<PromptField, number> = { systemPrompt: 20_000, greeting: 1_000 };

/** What a problem is; the page words it through `prompts:issue.<code>`. */
export type PromptIssueCode = 'empty' | 'too_long' | 'syntax' | 'forbidden' | 'helper' | 'variable' | 'partial';

export interface PromptIssue {
  field: PromptField;
  code: PromptIssueCode;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** The name at fault (`constructor`, `lookup`), the limit, or the parser's words for a syntax error. */
  detail: string;
}

/**
 * Names that lead to an object's prototype or its machinery. Handlebars 4.7 already refuses them at run
 * time (prototype access is off); they are refused before saving so that the author learns why.
 */
const FORBIDDEN_NAMES = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toString',
  'toLocaleString',
  'valueOf',
]);

const helpers = new Set<string>(PROMPT_HELPERS);
const context = typeFromPaths(PROMPT_VARIABLES);

/** Every problem of one template, in source order; empty when it may be saved. */
export function validatePromptTemplate(field: PromptField, source: string): PromptIssue[] {
  const at = (code: PromptIssueCode, line: number, column: number, detail: string): PromptIssue => ({ field, code, line, column, detail });
  if (source.length > PROMPT_LIMITS[field]) return [at('too_long', 1, 1, String(PROMPT_LIMITS[field]))];
  if (source.trim().length === 0) return [at('empty', 1, 1, '')];
  const parsed = parseTemplate(source);
  if (!parsed.ok) return [at('syntax', parsed.error.line, parsed.error.column, parsed.error.message)];

  const issues: PromptIssue[] = [];
  const forbiddenAt = new Set<string>();
  walk(parsed.ast, (node) => {
    const names =
      node.type === 'PathExpression'
        ? (node as hbs.AST.PathExpression).parts
        : node.type === 'StringLiteral'
          ? [(node as hbs.AST.StringLiteral).value]
          : [];
    const bad = names.find((name) => FORBIDDEN_NAMES.has(name));
    if (bad === undefined || !node.loc) return;
    const issue = at('forbidden', node.loc.start.line, node.loc.start.column + 1, bad);
    forbiddenAt.add(`${issue.line}:${issue.column}`);
    issues.push(issue);
  });

  const scan = scanTemplate(source, { helpers, context, allowPartials: false });
  if (scan.ok) {
    for (const found of scan.issues) {
      // A forbidden name is also an unknown variable there: one message says it better.
      if (forbiddenAt.has(`${found.line}:${found.column}`)) continue;
      const name = /"([^"]+)"/.exec(found.message)?.[1] ?? found.message;
      issues.push(at(found.kind, found.line, found.column, name));
    }
  }
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Both templates of a version checked at once. */
export function validatePrompt(templates: Record<PromptField, string>): PromptIssue[] {
  return PROMPT_FIELDS.flatMap((field) => validatePromptTemplate(field, templates[field]));
}

/** A template refused: the issues say where and why. Nothing was saved. */
export class PromptTemplateError extends TeroError {
  constructor(readonly issues: PromptIssue[]) {
    super(
      'prompts.invalid_template',
      issues.map((i) => `${i.field} ${i.line}:${i.column} ${i.code} ${i.detail}`).join('; '),
      { count: issues.length },
      { status: 400 },
    );
  }
}

type hbs = typeof Handlebars;

/** Calls `visit` on every node of the tree (statements, expressions, parameters, hash values, programs). */
function walk(node: unknown, visit: (node: hbs.AST.Node) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (typeof record.type === 'string') visit(node as hbs.AST.Node);
  for (const [key, value] of Object.entries(record)) {
    if (key !== 'loc' && value && typeof value === 'object') walk(value, visit);
  }
}

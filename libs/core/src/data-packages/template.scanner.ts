import Handlebars from 'handlebars';

type hbs = typeof Handlebars;
type Node = hbs.AST.Node;
type Expression = hbs.AST.Expression;
type PathExpression = hbs.AST.PathExpression;

/**
 * The shape of the data a template is rendered with, as far as the linter knows it. `any` switches the
 * variable check off below that point (theme pages get page-specific data the linter cannot know).
 */
export type TemplateType =
  | { kind: 'any' }
  | { kind: 'leaf' }
  | { kind: 'object'; fields: Record<string, TemplateType> }
  | { kind: 'list'; item: TemplateType };

const ANY: TemplateType = { kind: 'any' };
const LEAF: TemplateType = { kind: 'leaf' };

/** Builds a type from paths such as `business.name` and `services[].price` (the form of `PROMPT_VARIABLES`). */
export function typeFromPaths(paths: readonly string[]): TemplateType {
  const root: TemplateType = { kind: 'object', fields: {} };
  for (const path of paths) {
    let node = root as Extract<TemplateType, { kind: 'object' }>;
    const segments = path.split('.');
    segments.forEach((segment, i) => {
      const isList = segment.endsWith('[]');
      const name = isList ? segment.slice(0, -2) : segment;
      const last = i === segments.length - 1;
      if (last && !isList) {
        node.fields[name] ??= LEAF;
        return;
      }
      if (isList) {
        const list = (node.fields[name] ??= { kind: 'list', item: { kind: 'object', fields: {} } }) as Extract<TemplateType, { kind: 'list' }>;
        node = list.item as Extract<TemplateType, { kind: 'object' }>;
      } else {
        node = (node.fields[name] ??= { kind: 'object', fields: {} }) as Extract<TemplateType, { kind: 'object' }>;
      }
    });
  }
  return root;
}

export interface TemplatePosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface TemplateIssue extends TemplatePosition {
  kind: 'helper' | 'variable' | 'partial';
  message: string;
}

export interface PartialUse extends TemplatePosition {
  name: string;
}

export type TemplateScan =
  | { ok: true; issues: TemplateIssue[]; partials: PartialUse[] }
  | { ok: false; syntaxError: TemplatePosition & { message: string } };

export interface ScanOptions {
  /** Helpers the renderer registers. */
  helpers: ReadonlySet<string>;
  /** Shape of the root context; absent means variables are not checked. */
  context?: TemplateType;
  /** Whether `{{> partial}}` may be used at all. */
  allowPartials: boolean;
}

interface Scope {
  ctx: TemplateType;
  parent?: Scope;
  blockParams: Map<string, TemplateType>;
  /** Inside an `each`: `@index`, `@first`, `@last`, `@key` exist. */
  loop: boolean;
}

// Jison token names, as a template author would write them.
const TOKENS: Record<string, string> = {
  CLOSE: '}}',
  CLOSE_UNESCAPED: '}}}',
  CLOSE_RAW_BLOCK: '}}}}',
  OPEN_SEXPR: '(',
  CLOSE_SEXPR: ')',
  ID: 'a name',
  STRING: 'a string',
  NUMBER: 'a number',
  DATA: '@data',
  EOF: 'end of file',
  INVALID: 'text',
  INVERSE: '{{else}}',
  OPEN_INVERSE_CHAIN: '{{else …}}',
  OPEN_ENDBLOCK: '{{/…}}',
  SEP: '. or /',
};
const tokenLabel = (token: string) => {
  const name = token.replace(/'/g, '');
  return TOKENS[name] ?? name;
};

/** Parses a Handlebars template, reporting a syntax error with its position. Never compiles or runs it. */
export function parseTemplate(source: string): { ok: true; ast: hbs.AST.Program } | { ok: false; error: TemplatePosition & { message: string } } {
  try {
    return { ok: true, ast: Handlebars.parse(source) };
  } catch (err) {
    const e = err as Error & { lineNumber?: number; column?: number };
    if (typeof e.lineNumber === 'number') {
      // Handlebars.Exception (mismatched blocks…): "if doesn't match each - 2:3", column 0-based.
      return { ok: false, error: { message: e.message.replace(/ - \d+:\d+$/, ''), line: e.lineNumber, column: (e.column ?? 0) + 1 } };
    }
    // Jison parse errors carry no position; the shared lexer still holds the offending token's location
    // (parsing is synchronous, so nothing ran in between).
    const loc = (Handlebars as unknown as { Parser: { lexer: { yylloc?: { first_line: number; first_column: number } } } }).Parser.lexer.yylloc;
    const lines = e.message.split('\n');
    const headLine = /on line (\d+)/.exec(lines[0] ?? '');
    const expecting = /^Expecting (.*), got (.*)$/.exec(lines.at(-1) ?? '');
    const all = [...new Set(expecting?.[1].split(', ').map(tokenLabel) ?? [])];
    // An unclosed mustache is by far the usual cause; say so rather than list every token.
    const wanted = all.includes('}}') ? ['}}'] : all;
    return {
      ok: false,
      error: {
        message: expecting
          ? `syntax error: unexpected ${tokenLabel(expecting[2])}, expected ${wanted.slice(0, 4).join(', ')}${wanted.length > 4 ? ', …' : ''}`
          : `syntax error: ${lines.at(-1)}`,
        line: loc?.first_line ?? (headLine ? +headLine[1] : 1),
        column: (loc?.first_column ?? 0) + 1,
      },
    };
  }
}

/**
 * Walks a template's AST and lists the helpers, variables and partials it uses that the options do
 * not allow, and the partials it includes. Follows context changes of `each` and `with`, `../`,
 * `@root` and block parameters (`as |item|`).
 */
export function scanTemplate(source: string, options: ScanOptions): TemplateScan {
  const parsed = parseTemplate(source);
  if (!parsed.ok) return { ok: false, syntaxError: parsed.error };
  const issues: TemplateIssue[] = [];
  const partials: PartialUse[] = [];
  const root = options.context ?? ANY;

  const at = (node: Node): TemplatePosition => ({ line: node.loc?.start.line ?? 1, column: (node.loc?.start.column ?? 0) + 1 });
  const issue = (kind: TemplateIssue['kind'], message: string, node: Node) => issues.push({ kind, message, ...at(node) });

  const isThisPath = (p: PathExpression) => /^(this|\.)([./]|$)/.test(p.original);
  const findBlockParam = (name: string, scope: Scope | undefined): TemplateType | undefined => {
    for (let s = scope; s; s = s.parent) if (s.blockParams.has(name)) return s.blockParams.get(name);
    return undefined;
  };
  /** A bare identifier that may name a helper (Handlebars' own rule for "simple ids"). */
  const simpleName = (p: Expression, scope: Scope): string | undefined => {
    if (p.type !== 'PathExpression') return undefined;
    const path = p as PathExpression;
    if (path.data || path.depth > 0 || path.parts.length !== 1 || isThisPath(path)) return undefined;
    if (findBlockParam(path.parts[0], scope)) return undefined;
    return path.parts[0];
  };

  const walkFields = (start: TemplateType, parts: string[], path: PathExpression): TemplateType | undefined => {
    let type = start;
    for (const part of parts) {
      if (type.kind === 'any') return ANY;
      if (type.kind === 'object' && Object.hasOwn(type.fields, part)) {
        type = type.fields[part];
        continue;
      }
      issue('variable', `unknown variable "${path.original}"`, path);
      return undefined;
    }
    return type;
  };

  const resolvePath = (path: PathExpression, scope: Scope): TemplateType | undefined => {
    if (path.data) {
      const [head, ...rest] = path.parts;
      if (head === 'root') return walkFields(root, rest, path);
      if (root.kind === 'any') return ANY;
      let inLoop = false;
      for (let s: Scope | undefined = scope; s; s = s.parent) inLoop ||= s.loop;
      if (inLoop && ['index', 'first', 'last', 'key'].includes(head) && rest.length === 0) return LEAF;
      issue('variable', `unknown data variable "${path.original}"`, path);
      return undefined;
    }
    let target: Scope | undefined = scope;
    for (let i = 0; i < path.depth; i++) target = target?.parent;
    if (!target) {
      issue('variable', `"${path.original}" goes above the root context`, path);
      return undefined;
    }
    if (path.depth === 0 && !isThisPath(path) && path.parts.length > 0) {
      const param = findBlockParam(path.parts[0], scope);
      if (param) return walkFields(param, path.parts.slice(1), path);
    }
    return walkFields(target.ctx, path.parts, path);
  };

  const visitValue = (expr: Expression, scope: Scope): TemplateType | undefined => {
    if (expr.type === 'PathExpression') return resolvePath(expr as PathExpression, scope);
    if (expr.type === 'SubExpression') {
      visitCall(expr as hbs.AST.SubExpression, scope, true);
      return ANY;
    }
    return LEAF;
  };

  const visitArgs = (node: { params: Expression[]; hash?: hbs.AST.Hash }, scope: Scope) => {
    for (const param of node.params) visitValue(param, scope);
    for (const pair of node.hash?.pairs ?? []) visitValue(pair.value, scope);
  };

  /** A mustache, block head or sub-expression. Returns the helper name when it is a known helper call. */
  const visitCall = (
    node: { path: Expression; params: Expression[]; hash?: hbs.AST.Hash } & Node,
    scope: Scope,
    mustBeHelper: boolean,
  ): string | undefined => {
    const name = simpleName(node.path, scope);
    const hasArgs = node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0;
    visitArgs(node, scope);
    if (name !== undefined && options.helpers.has(name)) return name;
    if (mustBeHelper || hasArgs) {
      const label = node.path.type === 'PathExpression' ? (node.path as PathExpression).original : node.path.type;
      issue('helper', `unknown helper "${label}"`, node.path);
      return undefined;
    }
    if (node.path.type === 'PathExpression') resolvePath(node.path as PathExpression, scope);
    return undefined;
  };

  const itemOf = (type: TemplateType | undefined, node: Node, label: string): TemplateType => {
    if (!type || type.kind === 'any') return ANY;
    if (type.kind === 'list') return type.item;
    issue('variable', `"each" needs a list, and "${label}" is not one`, node);
    return ANY;
  };

  const visitBlock = (block: hbs.AST.BlockStatement, scope: Scope) => {
    const helper = visitCall(block, scope, true);
    const names = block.program?.blockParams ?? [];
    const first = block.params[0];
    const firstLabel = first?.type === 'PathExpression' ? (first as PathExpression).original : 'the argument';
    let inner = scope;
    if (helper === 'each') {
      const itemType = itemOf(first ? visitValueQuiet(first, scope) : undefined, block, firstLabel);
      inner = { ctx: itemType, parent: scope, loop: true, blockParams: new Map(names.map((n, i) => [n, i === 0 ? itemType : LEAF])) };
    } else if (helper === 'with') {
      let type = first ? visitValueQuiet(first, scope) ?? ANY : ANY;
      if (type.kind === 'leaf' || type.kind === 'list') {
        issue('variable', `"with" needs an object, and "${firstLabel}" is not one`, block);
        type = ANY;
      }
      inner = { ctx: type, parent: scope, loop: false, blockParams: new Map(names.map((n) => [n, type])) };
    } else if (names.length > 0) {
      // Same context level (`../` must not count it), with the new names added.
      inner = { ...scope, blockParams: new Map([...scope.blockParams, ...names.map((n): [string, TemplateType] => [n, ANY])]) };
    }
    if (block.program) visitProgram(block.program, inner);
    if (block.inverse) visitProgram(block.inverse, scope);
  };

  /** Resolves a value already reported by visitCall, without reporting it twice. */
  const visitValueQuiet = (expr: Expression, scope: Scope): TemplateType | undefined => {
    const before = issues.length;
    const type = visitValue(expr, scope);
    issues.length = before;
    return type;
  };

  const visitPartial = (node: hbs.AST.PartialStatement | hbs.AST.PartialBlockStatement, scope: Scope) => {
    if (!options.allowPartials) {
      issue('partial', 'partials are not available here', node);
      return;
    }
    if (node.name.type === 'PathExpression') {
      const name = (node.name as PathExpression).original;
      if (name !== '@partial-block') partials.push({ name, ...at(node.name) });
    } else if (node.name.type === 'SubExpression') {
      visitCall(node.name as hbs.AST.SubExpression, scope, true);
    }
    visitArgs(node, scope);
  };

  const visitProgram = (program: hbs.AST.Program, scope: Scope) => {
    for (const statement of program.body) {
      switch (statement.type) {
        case 'MustacheStatement': {
          const m = statement as hbs.AST.MustacheStatement;
          if (m.path.type === 'PathExpression') visitCall(m, scope, false);
          break;
        }
        case 'BlockStatement':
          visitBlock(statement as hbs.AST.BlockStatement, scope);
          break;
        case 'PartialStatement':
          visitPartial(statement as hbs.AST.PartialStatement, scope);
          break;
        case 'PartialBlockStatement': {
          const p = statement as hbs.AST.PartialBlockStatement;
          visitPartial(p, scope);
          visitProgram(p.program, scope);
          break;
        }
        case 'DecoratorStatement':
        case 'DecoratorBlock':
          issue('helper', 'decorators are not supported', statement);
          break;
        default:
          break; // content and comments
      }
    }
  };

  visitProgram(parsed.ast, { ctx: root, blockParams: new Map(), loop: false });
  return { ok: true, issues, partials };
}

/**
 * Stripe's v1 API takes `application/x-www-form-urlencoded` bodies (and GET query strings) whose keys
 * spell nested objects and arrays with brackets: `line_items[0][price]=price_1&metadata[k]=v&expand[]=x`.
 * This decodes them into plain values the way the API does, so the fake reads what the SDK really sent.
 */

/** A decoded value: every leaf stays a string (the API coerces per parameter, and so does the fake). */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

/** A body the API would refuse as malformed; `param` names the offending key. */
export class StripeFormError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
    this.name = 'StripeFormError';
  }
}

/** A container under construction: keys in arrival order; `[]` appends at the next free index. */
class Node {
  readonly entries = new Map<string, Node | string>();
}

function decodeComponent(raw: string, param: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new StripeFormError(`Invalid percent-encoding in ${JSON.stringify(raw)}`, param);
  }
}

/** `a[b][0][]` → `['a', 'b', '0', '']`. */
function pathOf(key: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) throw new StripeFormError(`Invalid parameter name: ${JSON.stringify(key)}`, key);
  const segments = [match[1]!];
  for (const part of match[2]!.matchAll(/\[([^[\]]*)\]/g)) segments.push(part[1]!);
  return segments;
}

function put(root: Node, path: string[], value: string, key: string): void {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] === '' ? String(node.entries.size) : path[i]!;
    const last = i === path.length - 1;
    const existing = node.entries.get(segment);
    if (last) {
      if (existing instanceof Node) throw new StripeFormError(`Invalid hash: ${key} is both a value and an object`, key);
      node.entries.set(segment, value);
      return;
    }
    if (typeof existing === 'string') throw new StripeFormError(`Invalid hash: ${key} is both a value and an object`, key);
    const child = existing ?? new Node();
    node.entries.set(segment, child);
    node = child;
  }
}

/** A container whose keys are all indices is an array, in index order. */
function finish(node: Node, top = false): FormValue {
  const keys = [...node.entries.keys()];
  const values = (key: string): FormValue => {
    const entry = node.entries.get(key)!;
    return entry instanceof Node ? finish(entry) : entry;
  };
  if (!top && keys.length > 0 && keys.every((key) => /^\d+$/.test(key))) {
    return keys.map(Number).sort((a, b) => a - b).map((index) => values(String(index)));
  }
  const out: FormObject = {};
  for (const key of keys) out[key] = values(key);
  return out;
}

/** Decodes a form body or query string (without the leading `?`). */
export function decodeStripeForm(text: string): FormObject {
  const root = new Node();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const rawKey = equals === -1 ? pair : pair.slice(0, equals);
    const key = decodeComponent(rawKey, rawKey);
    const value = equals === -1 ? '' : decodeComponent(pair.slice(equals + 1), key);
    put(root, pathOf(key), value, key);
  }
  return finish(root, true) as FormObject;
}

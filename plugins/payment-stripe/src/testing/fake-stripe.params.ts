import type { FormObject, FormValue } from './stripe-form.decoder';

/** An error the fake answers the way Stripe does: `{ error: { type, code, message, param } }` with Stripe's status. */
export class FakeStripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'FakeStripeError';
  }

  /**
   * Stripe keeps the answer to an idempotent request once the endpoint began executing (a decline, a
   * 5xx), but not a request refused while its parameters were validated (400, 404).
   */
  get kept(): boolean {
    return this.status !== 400 && this.status !== 404;
  }

  body(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { type: this.type, message: this.message, ...this.extra };
    if (this.code) {
      error.code = this.code;
      error.doc_url = `https://docs.stripe.com/error-codes/${this.code.replace(/_/g, '-')}`;
    }
    if (this.param) error.param = this.param;
    return { error };
  }
}

export function invalid(message: string, param?: string, code?: string): FakeStripeError {
  return new FakeStripeError(400, 'invalid_request_error', message, code, param);
}

export function notFound(kind: string, id: string, param = 'id'): FakeStripeError {
  return new FakeStripeError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, 'resource_missing', param);
}

/**
 * Typed reads of a decoded form, refusing what Stripe refuses: unknown parameters, an integer that is
 * not one, a value that is not in an enum, a missing required parameter.
 */
export class Params {
  constructor(
    readonly values: FormObject,
    allowed: readonly string[],
  ) {
    for (const key of Object.keys(values)) {
      if (key !== 'expand' && !allowed.includes(key)) throw invalid(`Received unknown parameter: ${key}`, key, 'parameter_unknown');
    }
  }

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  raw(name: string): FormValue | undefined {
    return this.values[name];
  }

  string(name: string): string | undefined {
    return asString(this.values[name], name);
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw invalid(`Missing required param: ${name}.`, name, 'parameter_missing');
    return value;
  }

  int(name: string): number | undefined {
    return asInt(this.values[name], name);
  }

  bool(name: string): boolean | undefined {
    return asBool(this.values[name], name);
  }

  oneOf<T extends string>(name: string, options: readonly T[]): T | undefined {
    return asEnum(this.values[name], name, options);
  }

  object(name: string): FormObject | undefined {
    return asObject(this.values[name], name);
  }

  list(name: string): FormValue[] | undefined {
    return asList(this.values[name], name);
  }

  metadata(name = 'metadata'): Record<string, string> | undefined {
    return asMetadata(this.values[name], name);
  }

  expand(): string[] {
    return (asList(this.values.expand, 'expand') ?? []).map((path, i) => asString(path, `expand[${i}]`) ?? '');
  }
}

export function asString(value: FormValue | undefined, param: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`Invalid string: ${param} must be a string`, param);
  return value;
}

export function asInt(value: FormValue | undefined, param: string): number | undefined {
  const text = asString(value, param);
  if (text === undefined || text === '') return undefined;
  if (!/^-?\d+$/.test(text)) throw invalid(`Invalid integer: ${text}`, param);
  return Number(text);
}

export function asBool(value: FormValue | undefined, param: string): boolean | undefined {
  const text = asString(value, param);
  if (text === undefined || text === '') return undefined;
  if (text !== 'true' && text !== 'false') throw invalid(`Invalid boolean: ${text}`, param);
  return text === 'true';
}

export function asEnum<T extends string>(value: FormValue | undefined, param: string, options: readonly T[]): T | undefined {
  const text = asString(value, param);
  if (text === undefined || text === '') return undefined;
  if (!(options as readonly string[]).includes(text)) throw invalid(`Invalid ${param}: must be one of ${options.join(', ')}`, param);
  return text as T;
}

export function asObject(value: FormValue | undefined, param: string): FormObject | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`Invalid object: ${param} must be a hash`, param);
  return value;
}

export function asList(value: FormValue | undefined, param: string): FormValue[] | undefined {
  if (value === undefined || value === '') return undefined;
  if (!Array.isArray(value)) throw invalid(`Invalid array: ${param} must be an array`, param);
  return value;
}

/** Stripe metadata: up to 50 string values, keys up to 40 characters, values up to 500. */
export function asMetadata(value: FormValue | undefined, param: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (value === '') return {};
  const object = asObject(value, param) ?? {};
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(object)) {
    const text = asString(item, `${param}[${key}]`) ?? '';
    if (key.length > 40) throw invalid(`Invalid ${param}: keys must be at most 40 characters`, `${param}[${key}]`);
    if (text.length > 500) throw invalid(`Invalid ${param}: values must be at most 500 characters`, `${param}[${key}]`);
    out[key] = text;
  }
  if (Object.keys(out).length > 50) throw invalid(`Invalid ${param}: at most 50 keys`, param);
  return out;
}

/** Lays an update's metadata over the current one: an empty value removes its key. */
export function mergeMetadata(current: Record<string, string>, update: Record<string, string> | undefined): Record<string, string> {
  if (update === undefined) return current;
  if (Object.keys(update).length === 0) return {};
  const merged = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

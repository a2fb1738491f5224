import { TeroError } from '@tero/sdk';
import type { z } from 'zod';

/** One field at fault and why, as the API and the pages report it. */
export interface FieldProblem {
  field: string;
  reason: string;
}

/** Bad input: a 400 with every field and reason; nothing was changed. */
export class ValidationError extends TeroError {
  constructor(readonly problems: FieldProblem[]) {
    super('validation.failed', problems.map((p) => `${p.field}: ${p.reason}`).join('; '), {}, { status: 400 });
  }
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((issue) => ({
        field: issue.path.length ? issue.path.join('.') : issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys?.join(',') ?? '(body)' : '(body)',
        reason: issue.message,
      })),
    );
  }
  return result.data;
}

import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { packScenarioSchema, professionPackManifestSchema, themeManifestSchema } from '@tero/sdk';
import type { PackScenario, ProfessionPackManifest, ThemeManifest } from '@tero/sdk';

export interface SchemaProblem {
  /** JSON pointer of the offending value: `/services/2/priceMinor`; `/` for the whole document. */
  pointer: string;
  /** `/services/2/priceMinor: must be >= 0`. */
  message: string;
}

let validators:
  | { pack: ValidateFunction<ProfessionPackManifest>; scenario: ValidateFunction<PackScenario>; theme: ValidateFunction<ThemeManifest> }
  | undefined;

function compiled() {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: true, discriminator: true });
    validators = {
      pack: ajv.compile<ProfessionPackManifest>(professionPackManifestSchema),
      scenario: ajv.compile<PackScenario>(packScenarioSchema),
      theme: ajv.compile<ThemeManifest>(themeManifestSchema),
    };
  }
  return validators;
}

function describe(error: ErrorObject): SchemaProblem {
  const pointer = error.instancePath || '/';
  let reason = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties') reason = `has unknown property "${(error.params as { additionalProperty: string }).additionalProperty}"`;
  else if (error.keyword === 'enum') reason = `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  else if (error.keyword === 'propertyNames') reason = `has an invalid key "${(error.params as { propertyName: string }).propertyName}"`;
  return { pointer, message: `${pointer}: ${reason}` };
}

function problems(validate: ValidateFunction, value: unknown): SchemaProblem[] {
  if (validate(value)) return [];
  const seen = new Set<string>();
  return (validate.errors ?? [])
    // `propertyNames` reports both the key's own failure and a wrapper; the wrapper says more.
    .filter((e) => !(e.propertyName !== undefined && e.keyword !== 'propertyNames'))
    .map(describe)
    .filter((p) => !seen.has(p.message) && seen.add(p.message));
}

export const validatePackManifest = (value: unknown): SchemaProblem[] => problems(compiled().pack, value);
export const validateScenario = (value: unknown): SchemaProblem[] => problems(compiled().scenario, value);
export const validateThemeManifest = (value: unknown): SchemaProblem[] => problems(compiled().theme, value);

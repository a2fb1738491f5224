import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import semver from 'semver';
import type { PluginManifest } from '@tero/sdk';

const objectSchema = {
  type: 'object',
  properties: { type: { const: 'object' } },
  required: ['type'],
};

/** JSON Schema of the `tero` field of a plugin's package.json (`PluginManifest` in the SDK). */
export const pluginManifestSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' },
    kinds: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    displayName: { type: 'string', minLength: 1 },
    compatibility: { type: 'string', minLength: 1, format: 'semver-range' },
    instanceConfig: objectSchema,
    tenantConfig: objectSchema,
  },
  required: ['id', 'kinds', 'displayName', 'compatibility'],
  // A misspelt field (`tenantconfig`) would otherwise be ignored and its settings never validated.
  additionalProperties: false,
} as const;

/** What each field must be, in words a plugin author can act on. */
const expectations: Record<string, string> = {
  id: 'must be a kebab-case string such as "email-smtp"',
  kinds: 'must be a non-empty array of port ids such as ["email"]',
  displayName: 'must be a non-empty string',
  compatibility: 'must be a semver range of core versions such as "^0.1.0"',
  instanceConfig: 'must be a JSON Schema of an object ({ "type": "object", "properties": … })',
  tenantConfig: 'must be a JSON Schema of an object ({ "type": "object", "properties": … })',
};

const ajv = new Ajv2020({ allErrors: false });
ajv.addFormat('semver-range', { type: 'string', validate: (range: string) => semver.validRange(range) !== null });
const validateManifest = ajv.compile<PluginManifest>(pluginManifestSchema);

function describe(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') {
    return `manifest has unknown field "${String(error.params.additionalProperty)}"`;
  }
  const field = error.keyword === 'required' ? String(error.params.missingProperty) : error.instancePath.split('/')[1];
  if (!field) return 'manifest (package.json "tero") must be an object';
  return `manifest.${field} ${expectations[field] ?? error.message}`;
}

/** Checks a `tero` field; returns the manifest or the reason it is refused. */
export function checkManifest(value: unknown): { manifest: PluginManifest } | { reason: string } {
  if (validateManifest(value)) return { manifest: value };
  return { reason: describe(validateManifest.errors![0]) };
}

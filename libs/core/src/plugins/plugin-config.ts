import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { PluginConfigError, type JsonSchema, type PluginManifest } from '@tero/sdk';

/**
 * Ajv for a plugin's own config schemas. One instance per plugin, so that two plugins using the same
 * `$id` cannot collide. Environment values are strings, hence `coerceTypes`; unknown keywords are
 * refused (`strictSchema`) so a typo in a schema stops the boot instead of silently validating nothing.
 */
export function createConfigAjv(): Ajv2020 {
  const ajv = new Ajv2020({ coerceTypes: true, useDefaults: true, strictTypes: false, strictTuples: false });
  addFormats(ajv);
  return ajv;
}

/** Compiles a manifest schema, or says why it is not a usable JSON Schema. */
export function compileConfigSchema(schema: JsonSchema): ValidateFunction | string {
  try {
    return createConfigAjv().compile(schema);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** `email-smtp` → `EMAIL_SMTP`, `poolSize` → `POOL_SIZE`, `baseURL` → `BASE_URL`. */
export function upperSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
}

/** The environment key of one instance setting: plugin `email-smtp`, key `url` → `EMAIL_SMTP_URL`. */
export function envKeyFor(pluginId: string, key: string): string {
  return `${upperSnake(pluginId)}_${upperSnake(key)}`;
}

/** The top-level config key an Ajv error is about. */
function keyOf(error: ErrorObject): string | undefined {
  if (error.keyword === 'required') return String(error.params.missingProperty);
  if (error.keyword === 'additionalProperties') return String(error.params.additionalProperty);
  return error.instancePath.split('/')[1]?.replace(/~1/g, '/').replace(/~0/g, '~') || undefined;
}

function reasonOf(error: ErrorObject): string {
  if (error.keyword === 'required') return 'is required';
  if (error.keyword === 'additionalProperties') return 'is not a known setting';
  const nested = error.instancePath.split('/').slice(2).join('.');
  return nested ? `${nested} ${error.message}` : (error.message ?? 'is invalid');
}

/** The schema's top-level properties (instance settings are read key by key from the environment). */
function propertiesOf(schema: JsonSchema): Record<string, JsonSchema> {
  const properties = schema.properties;
  return properties && typeof properties === 'object' ? (properties as Record<string, JsonSchema>) : {};
}

/**
 * Reads a plugin's instance settings from the environment, coerces and validates them. Empty strings
 * count as unset, as for the core settings. Throws `PluginConfigError` naming the environment key.
 */
export function readInstanceConfig(
  manifest: PluginManifest,
  validate: ValidateFunction | undefined,
  env: Record<string, string | undefined>,
): Record<string, unknown> {
  if (!manifest.instanceConfig || !validate) return {};
  const properties = propertiesOf(manifest.instanceConfig);
  const config: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(properties)) {
    const envKey = envKeyFor(manifest.id, key);
    const raw = env[envKey];
    if (raw === undefined || raw === '') continue;
    // Ajv coerces scalars only; lists are comma-separated as PLUGINS is, objects are JSON.
    if (schema.type === 'array') {
      config[key] = raw.split(',').map((item) => item.trim()).filter(Boolean);
    } else if (schema.type === 'object') {
      try {
        config[key] = JSON.parse(raw);
      } catch {
        throw new PluginConfigError(manifest.id, envKey, 'must be a JSON object');
      }
    } else {
      config[key] = raw;
    }
  }
  if (!validate(config)) {
    const error = validate.errors![0];
    const key = keyOf(error);
    throw new PluginConfigError(manifest.id, key ? envKeyFor(manifest.id, key) : upperSnake(manifest.id), reasonOf(error));
  }
  return config;
}

/**
 * Validates a tenant's settings (a copy: validation coerces and fills defaults) and lays them over the
 * instance settings. A tenant-schema default never hides an instance value: only keys the tenant set,
 * or keys the instance lacks, come from the tenant side.
 */
export function mergeTenantConfig(
  pluginId: string,
  validate: ValidateFunction,
  instanceConfig: Record<string, unknown>,
  tenantSettings: Record<string, unknown>,
): Record<string, unknown> {
  const tenant = structuredClone(tenantSettings);
  if (!validate(tenant)) {
    const error = validate.errors![0];
    throw new PluginConfigError(pluginId, keyOf(error) ?? '(root)', reasonOf(error));
  }
  const effective = { ...instanceConfig };
  for (const [key, value] of Object.entries(tenant)) {
    if (key in tenantSettings || !(key in instanceConfig)) effective[key] = value;
  }
  return effective;
}

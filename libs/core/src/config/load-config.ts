import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'dotenv';
import { resolveSecrets } from './embedded-secrets';
import { type InstanceConfig, parseInstanceConfig } from './instance-config';

/**
 * The instance configuration, read once at boot: `.env` in `cwd` (when present) under the real
 * environment, validated, `DATA_DIR` made absolute against `cwd`, and the secrets resolved (see
 * `resolveSecrets`). A variable set to an empty string in the environment counts as unset, as it does in
 * `parseInstanceConfig`, so `.env` still fills it (compose files often pass `KEY=${KEY}` through empty).
 * Throws `ConfigError` naming every bad key. Does not touch `process.env`.
 */
export function loadInstanceConfig(
  env: Record<string, string | undefined> = process.env,
  { cwd = process.cwd() }: { cwd?: string } = {},
): InstanceConfig {
  const merged: Record<string, string | undefined> = { ...readDotenv(cwd) };
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') merged[key] = value;
  }
  const config = parseInstanceConfig(merged);
  const dataDir = resolve(cwd, config.DATA_DIR);
  return resolveSecrets({ ...config, DATA_DIR: dataDir }, { dataDir });
}

function readDotenv(cwd: string): Record<string, string> {
  try {
    return parse(readFileSync(join(cwd, '.env'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

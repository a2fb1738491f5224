import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { parse as parseDotenv } from 'dotenv';
import { instanceConfigSchema, parseInstanceConfig } from '../libs/core/src/config/instance-config';
import { envKeyFor } from '../libs/core/src/plugins/plugin-config';

// The deployment files are read by tools we cannot run here (docker, compose, helm), so these checks
// pin what would otherwise drift silently: the settings the code reads, the paths the files name.

const root = resolve(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const exists = (path: string) => existsSync(join(root, path));

// ---- what the code reads ----

interface PluginSetting {
  envKey: string;
  schema: Record<string, unknown>;
}

function pluginSettings(): PluginSetting[] {
  const settings: PluginSetting[] = [];
  const dir = join(root, 'plugins');
  for (const name of existsSync(dir) ? readdirSync(dir).sort() : []) {
    const manifestFile = join(dir, name, 'package.json');
    if (!existsSync(manifestFile)) continue;
    const tero = (JSON.parse(readFileSync(manifestFile, 'utf8')) as { tero?: { id: string; instanceConfig?: { properties?: object } } }).tero;
    if (!tero) continue;
    for (const [key, schema] of Object.entries(tero.instanceConfig?.properties ?? {})) {
      settings.push({ envKey: envKeyFor(tero.id, key), schema: schema as Record<string, unknown> });
    }
  }
  return settings;
}

const coreKeys = Object.keys(instanceConfigSchema.shape);
const pluginKeys = pluginSettings().map((setting) => setting.envKey);
const appKeys = new Set([...coreKeys, ...pluginKeys]);

// ---- .env.example ----

interface EnvEntry {
  key: string;
  value: string;
  section: string;
  /** The comment lines right above the key, without `# `. */
  doc: string[];
}

const COMPOSE_SECTION = /^docker compose only/;

function parseEnvExample(text: string): EnvEntry[] {
  const entries: EnvEntry[] = [];
  let section = '';
  let doc: string[] = [];
  for (const line of text.split('\n')) {
    const header = /^# ==== (.+) ====$/.exec(line);
    const assignment = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (header) {
      section = header[1];
      doc = [];
    } else if (assignment) {
      entries.push({ key: assignment[1], value: assignment[2], section, doc });
      doc = [];
    } else if (line.startsWith('#')) {
      doc.push(line.replace(/^# ?/, ''));
    } else if (line.trim() === '') {
      doc = [];
    } else {
      throw new Error(`.env.example: unexpected line "${line}"`);
    }
  }
  return entries;
}

const envEntries = parseEnvExample(read('.env.example'));
const appEntries = envEntries.filter((entry) => !COMPOSE_SECTION.test(entry.section));
const composeOnlyKeys = envEntries.filter((entry) => COMPOSE_SECTION.test(entry.section)).map((entry) => entry.key);
const documentedDefault = (entry: EnvEntry) => {
  const line = entry.doc.find((text) => text.startsWith('Default: '));
  if (line === undefined) return undefined;
  const quoted = /^Default: `([^`]*)`$/.exec(line);
  return quoted ? quoted[1] : line.slice('Default: '.length);
};

describe('.env.example', () => {
  it('lists exactly the core settings and every plugin setting, each once', () => {
    const keys = appEntries.map((entry) => entry.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual([...appKeys].sort());
    expect(pluginKeys).toContain('EMAIL_SMTP_URL');
  });

  it('leaves every value empty, so that no secret or stale default is ever committed', () => {
    expect(envEntries.filter((entry) => entry.value !== '').map((entry) => entry.key)).toEqual([]);
  });

  it('copied as it is to .env, gives the embedded default', () => {
    expect(parseInstanceConfig(parseDotenv(read('.env.example')))).toEqual(parseInstanceConfig({}));
  });

  it('documents each core setting with the default the schema applies', () => {
    for (const entry of appEntries.filter((e) => coreKeys.includes(e.key))) {
      const field = instanceConfigSchema.shape[entry.key as keyof typeof instanceConfigSchema.shape];
      const actual = field.parse(undefined);
      const documented = documentedDefault(entry);
      expect({ key: entry.key, hasDescription: entry.doc.some((text) => !text.startsWith('Default: ')) }).toEqual({
        key: entry.key,
        hasDescription: true,
      });
      if (actual === undefined) {
        expect({ key: entry.key, documented }).toEqual({ key: entry.key, documented: 'none' });
      } else {
        expect({ key: entry.key, documented: documented === undefined ? undefined : field.parse(documented) }).toEqual({
          key: entry.key,
          documented: actual,
        });
      }
    }
  });

  it('documents each plugin setting with the default of its manifest schema', () => {
    for (const setting of pluginSettings()) {
      const entry = appEntries.find((e) => e.key === setting.envKey)!;
      const expected = setting.schema.default === undefined ? 'none' : String(setting.schema.default);
      expect({ key: entry.key, documented: documentedDefault(entry) }).toEqual({ key: entry.key, documented: expected });
    }
  });

  it('says how to generate the secrets', () => {
    const doc = (key: string) => envEntries.find((entry) => entry.key === key)!.doc.join('\n');
    expect(doc('APP_SECRET')).toContain('openssl rand -base64 32');
    expect(doc('ENCRYPTION_KEYS')).toContain('k1:$(openssl rand -base64 32)');
  });

  it('keeps compose-only keys apart from the settings the app reads', () => {
    expect(composeOnlyKeys).toEqual(['POSTGRES_PASSWORD']);
    for (const key of composeOnlyKeys) expect(appKeys.has(key)).toBe(false);
  });
});

// ---- paths named by the deployment files ----

/** The Node flags an npm script (`start`, `worker`) runs its app with: `node --a --b dist/apps/<app>/src/main.js`. */
function nodeFlagsOf(script: string, app: string): string[] {
  const line = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts[script] ?? '';
  const flags = new RegExp(`\\bnode ((?:--\\S+ )*)dist/apps/${app}/src/main\\.js`).exec(line);
  if (!flags) throw new Error(`npm script ${script} does not run dist/apps/${app}/src/main.js: ${line}`);
  return flags[1]!.trim().split(' ').filter(Boolean);
}

/** `dist/apps/server/src/main.js` ⇔ `apps/server/src/main.ts`. */
function distPaths(text: string): string[] {
  return [...new Set([...text.matchAll(/dist\/[\w./-]+\.js/g)].map((match) => match[0]))];
}

function expectSourcesOf(text: string) {
  const paths = distPaths(text);
  expect(paths.length).toBeGreaterThan(0);
  for (const path of paths) {
    const source = path.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect({ path, sourceExists: exists(source) }).toEqual({ path, sourceExists: true });
  }
}

// ---- Dockerfile ----

interface Instruction {
  name: string;
  args: string;
}

function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  return logical.map((line) => {
    const [name, ...rest] = line.split(/\s+/);
    return { name: name.toUpperCase(), args: rest.join(' ') };
  });
}

/** Last matching pattern wins, as in Docker; enough of the syntax for an allowlist of folders and files. */
function dockerignoreAdmits(ignoreText: string, path: string): boolean {
  let admitted = true;
  for (const raw of ignoreText.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/\/$/, '');
    const regex = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '\0')
        .replace(/\*/g, '[^/]*')
        .replace(/\0/g, '(?:.*/)?')}(?:/.*)?$`,
    );
    if (regex.test(path)) admitted = negated;
  }
  return admitted;
}

describe('deploy/Dockerfile', () => {
  const dockerfile = read('deploy/Dockerfile');
  const instructions = parseDockerfile(dockerfile);
  const ignore = read('deploy/Dockerfile.dockerignore');
  const stages = instructions.filter((i) => i.name === 'FROM');
  const runtimeStart = instructions.lastIndexOf(stages[stages.length - 1]);
  const runtime = instructions.slice(runtimeStart);

  it('builds every stage on the official Node 24 image', () => {
    expect(stages.length).toBeGreaterThan(1);
    for (const stage of stages) expect(stage.args).toMatch(/^node:24-bookworm-slim( AS \w+)?$/i);
  });

  it('copies only files that exist in the repository and that the ignore file lets into the context', () => {
    const sources = instructions
      .filter((i) => i.name === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).filter((arg) => !arg.startsWith('--')).slice(0, -1));
    expect(sources).toEqual(expect.arrayContaining(['package-lock.json', 'themes', 'locales', 'profession-packs', 'plugins']));
    for (const source of sources) {
      expect({ source, exists: exists(source), admitted: dockerignoreAdmits(ignore, source) }).toEqual({
        source,
        exists: true,
        admitted: true,
      });
    }
    // And nothing that must stay out of an image gets into the context.
    for (const path of ['.env', 'data/secrets.json', 'node_modules/node', 'dist/apps', 'libs/core/src/config/instance-config.spec.ts']) {
      expect({ path, admitted: dockerignoreAdmits(ignore, path) }).toEqual({ path, admitted: false });
    }
  });

  it('starts entry points that have a TypeScript source', () => {
    expectSourcesOf(dockerfile);
    // Node runs with the flags `npm start` gives it (package.json), so the image is what the benchmark measures.
    expect(runtime.find((i) => i.name === 'CMD')?.args).toBe(JSON.stringify(['node', ...nodeFlagsOf('start', 'server'), 'dist/apps/server/src/main.js']).replaceAll(',', ', '));
  });

  it('ships production dependencies only, without the node devDependency', () => {
    const copy = runtime.find((i) => i.name === 'COPY' && i.args.includes('node_modules'))!;
    const stage = /--from=(\w+)/.exec(copy.args)![1];
    const start = instructions.findIndex((i) => i.name === 'FROM' && new RegExp(` AS ${stage}$`, 'i').test(i.args));
    const end = instructions.findIndex((i, index) => index > start && i.name === 'FROM');
    const installs = instructions.slice(start, end).filter((i) => i.name === 'RUN' && /npm (ci|install)/.test(i.args));
    expect(installs.map((i) => /--omit=dev/.test(i.args))).toEqual([true]);
    expect(runtime.some((i) => i.name === 'RUN' && /npm (ci|install)/.test(i.args))).toBe(false);
  });

  it('installs in every stage from the committed lock, copied in before the install', () => {
    const installs = instructions.map((i, index) => ({ i, index })).filter(({ i }) => i.name === 'RUN' && /npm (ci|install)/.test(i.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const { i, index } of installs) {
      const stageStart = instructions.findLastIndex((x, at) => at < index && x.name === 'FROM');
      const copiedLock = instructions.slice(stageStart, index).some((x) => x.name === 'COPY' && /\bpackage-lock\.json\b/.test(x.args));
      expect({ install: i.args, copiedLock, noAudit: /--no-audit/.test(i.args) }).toEqual({ install: i.args, copiedLock: true, noAudit: true });
    }
  });

  it('runs as a non-root user with production settings, /data, port 3000 and a /healthz check', () => {
    const users = runtime.filter((i) => i.name === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
    const env = runtime.filter((i) => i.name === 'ENV').map((i) => i.args).join(' ');
    expect(env).toMatch(/NODE_ENV=production/);
    expect(env).toMatch(/DATA_DIR=\/data/);
    for (const key of env.matchAll(/(\w+)=/g)) expect(appKeys.has(key[1])).toBe(true);
    expect(runtime.find((i) => i.name === 'VOLUME')?.args).toBe('/data');
    expect(runtime.find((i) => i.name === 'EXPOSE')?.args).toBe(String(instanceConfigSchema.shape.PORT.parse(undefined)));
    expect(runtime.find((i) => i.name === 'HEALTHCHECK')?.args).toMatch(/fetch\(.*\/healthz/);
  });
});

// ---- docker-compose.yml and Caddyfile ----

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { disable?: boolean; test?: string[] };
}

describe('deploy/docker-compose.yml', () => {
  const text = read('deploy/docker-compose.yml');
  const compose = parse(text, { merge: true }) as { services: Record<string, ComposeService> };
  const services = compose.services;
  const composeDir = join(root, 'deploy');
  const appServices = Object.entries(services).filter(([, service]) => service.build !== undefined);

  it('runs migrate, server and worker from the Dockerfile beside postgres, redis and caddy', () => {
    expect(Object.keys(services).sort()).toEqual(['caddy', 'migrate', 'postgres', 'redis', 'server', 'worker']);
    expect(appServices.map(([name]) => name).sort()).toEqual(['migrate', 'server', 'worker']);
    for (const [, service] of appServices) {
      expect(resolve(composeDir, service.build!.context)).toBe(root);
      expect(exists(service.build!.dockerfile)).toBe(true);
      expect(service.build!.dockerfile).toBe('deploy/Dockerfile');
      expect(service.env_file!.map((file) => resolve(composeDir, file))).toEqual([join(root, '.env')]);
    }
  });

  it('passes the app only settings it reads', () => {
    for (const [name, service] of appServices) {
      for (const key of Object.keys(service.environment ?? {})) {
        expect({ service: name, key, known: appKeys.has(key) }).toEqual({ service: name, key, known: true });
      }
    }
    expect(Object.keys(services.caddy.environment ?? {})).toEqual(['BASE_DOMAIN']);
  });

  it('substitutes only variables documented in .env.example and requires the secrets', () => {
    const variables = [...text.matchAll(/\$\{(\w+)(:?[-?][^}]*)?\}/g)];
    const documented = new Set(envEntries.map((entry) => entry.key));
    for (const [, key] of variables) expect({ key, documented: documented.has(key) }).toEqual({ key, documented: true });
    for (const key of ['APP_SECRET', 'ENCRYPTION_KEYS', 'POSTGRES_PASSWORD']) {
      const uses = variables.filter((match) => match[1] === key);
      expect(uses.length).toBeGreaterThan(0);
      for (const use of uses) expect(use[2]).toMatch(/^:\?/);
    }
    for (const key of composeOnlyKeys) expect(variables.some((match) => match[1] === key)).toBe(true);
  });

  it('migrates once before server and worker start, and runs jobs in the worker only', () => {
    expect(services.migrate.command).toEqual(['tero', 'migrate']);
    for (const name of ['server', 'worker']) {
      expect(services[name].depends_on).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    }
    expect(services.server.environment?.JOBS_IN_SERVER).toBe('false');
    expect(services.worker.environment?.JOBS_IN_SERVER).toBeUndefined();
    expect(services.worker.healthcheck).toEqual({ disable: true });
    expect(services.migrate.healthcheck).toEqual({ disable: true });
    expectSourcesOf(JSON.stringify(services.worker.command));
    expect(services.worker.command).toEqual(['node', ...nodeFlagsOf('worker', 'worker'), 'dist/apps/worker/src/main.js']);
  });

  it('wires the app to the bundled PostgreSQL 17 and Redis 7 and keeps their data', () => {
    const env = services.server.environment!;
    expect(env.DATABASE_URL).toMatch(/^postgresql:\/\/tero:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/tero$/);
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(env.DATA_DIR).toBe('/data');
    expect(env.NODE_ENV).toBe('production');
    expect(services.postgres.image).toMatch(/^postgres:17(\b|$)/);
    expect(services.postgres.healthcheck?.test?.join(' ')).toContain('pg_isready');
    expect(services.redis.image).toMatch(/^redis:7(\b|$)/);
    expect(services.redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(services.redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('mounts files that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (!source.startsWith('.')) continue; // a named volume
        expect({ service: name, source, exists: existsSync(resolve(composeDir, source)) }).toEqual({ service: name, source, exists: true });
      }
    }
  });

  it('proxies the base domain and all its subdomains to the server port', () => {
    const caddyfile = read('deploy/Caddyfile');
    const port = instanceConfigSchema.shape.PORT.parse(undefined);
    expect(services.caddy.volumes).toContain('./Caddyfile:/etc/caddy/Caddyfile:ro');
    expect(caddyfile).toMatch(/^\{\$BASE_DOMAIN\}, \*\.\{\$BASE_DOMAIN\} \{$/m);
    expect(caddyfile).toMatch(new RegExp(`^\\s*reverse_proxy server:${port}$`, 'm'));
    // Caddy refuses on-demand TLS without an endpoint that approves each host name.
    if (/^\s*on_demand$/m.test(caddyfile)) expect(caddyfile).toMatch(/on_demand_tls \{\s+ask http:\/\/\S+/);
  });
});

// ---- helm chart ----

const chartDir = 'deploy/helm/tero-voice';

/** Template actions replaced by a placeholder, lines holding only actions dropped: the YAML skeleton. */
function skeleton(template: string): string {
  return template
    .split('\n')
    .filter((line) => line.replace(/\{\{-?[\s\S]*?-?\}\}/g, '').trim() !== '' || !line.includes('{{'))
    .map((line) => line.replace(/\{\{-?[\s\S]*?-?\}\}/g, 'x'))
    .join('\n');
}

function valuesReferences(text: string): string[] {
  return [...new Set([...text.matchAll(/\.Values((?:\.\w+)+)/g)].map((match) => match[1].slice(1)))];
}

describe('deploy/helm/tero-voice', () => {
  const chart = parse(read(`${chartDir}/Chart.yaml`)) as Record<string, unknown>;
  const values = parse(read(`${chartDir}/values.yaml`)) as Record<string, unknown>;
  const templatesDir = join(root, chartDir, 'templates');
  const templates = readdirSync(templatesDir).filter((name) => statSync(join(templatesDir, name)).isFile());
  const templateText = (name: string) => readFileSync(join(templatesDir, name), 'utf8');

  it('is a v2 chart named tero-voice', () => {
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'tero-voice', type: 'application' });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('has the server, worker, migration Job, config and ingress templates', () => {
    expect(templates.sort()).toEqual([
      '_helpers.tpl',
      'configmap.yaml',
      'ingress.yaml',
      'migrate-job.yaml',
      'pvc.yaml',
      'secret.yaml',
      'server-deployment.yaml',
      'server-service.yaml',
      'worker-deployment.yaml',
    ]);
  });

  it('balances template delimiters and blocks in every file', () => {
    for (const name of templates) {
      const text = templateText(name);
      const opens = text.split('{{').length - 1;
      const closes = text.split('}}').length - 1;
      const blocks = [...text.matchAll(/\{\{-?\s*(if|with|range|define|end)\b/g)].map((match) => match[1]);
      const starts = blocks.filter((block) => block !== 'end').length;
      const ends = blocks.length - starts;
      expect({ name, opens, starts }).toEqual({ name, opens: closes, starts: ends });
    }
  });

  it('renders to a YAML skeleton of one Kubernetes object per manifest template', () => {
    for (const name of templates.filter((file) => file.endsWith('.yaml'))) {
      const object = parse(skeleton(templateText(name))) as Record<string, unknown>;
      expect({ name, apiVersion: typeof object.apiVersion, kind: typeof object.kind }).toEqual({
        name,
        apiVersion: 'string',
        kind: 'string',
      });
    }
  });

  it('refers only to values that values.yaml defines', () => {
    const all = templates.map(templateText).join('\n');
    const references = valuesReferences(all);
    expect(references.length).toBeGreaterThan(10);
    for (const reference of references) {
      let node: unknown = values;
      for (const part of reference.split('.')) {
        node = node && typeof node === 'object' && part in node ? (node as Record<string, unknown>)[part] : Symbol.for('missing');
      }
      expect({ reference, defined: node !== Symbol.for('missing') }).toEqual({ reference, defined: true });
    }
  });

  it('passes the app only settings it reads', () => {
    const config = values.config as Record<string, unknown>;
    const secrets = values.secrets as { extra: Record<string, unknown> };
    for (const key of [...Object.keys(config), ...Object.keys(secrets.extra)]) expect({ key, known: appKeys.has(key) }).toEqual({ key, known: true });
    const configmap = skeleton(templateText('configmap.yaml'));
    for (const key of Object.keys((parse(configmap) as { data: object }).data)) {
      if (key !== 'x') expect({ key, known: appKeys.has(key) }).toEqual({ key, known: true });
    }
    const secret = skeleton(templateText('secret.yaml'));
    for (const key of Object.keys((parse(secret) as { stringData: object }).stringData)) {
      if (key !== 'x') expect({ key, known: appKeys.has(key) }).toEqual({ key, known: true });
    }
  });

  it('migrates in a pre-install/pre-upgrade hook that runs after its config exists', () => {
    const hook = (name: string) => parse(skeleton(templateText(name))) as { metadata: { annotations: Record<string, string> } };
    const job = hook('migrate-job.yaml').metadata.annotations;
    expect(job['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(templateText('migrate-job.yaml')).toContain('args: ["tero", "migrate"]');
    for (const name of ['configmap.yaml', 'secret.yaml']) {
      const annotations = hook(name).metadata.annotations;
      expect(annotations['helm.sh/hook']).toBe(job['helm.sh/hook']);
      expect(Number(annotations['helm.sh/hook-weight'])).toBeLessThan(Number(job['helm.sh/hook-weight']));
    }
  });

  it('starts worker entry points that have a TypeScript source and probes the server on /healthz and /readyz', () => {
    expectSourcesOf(templateText('worker-deployment.yaml'));
    expect(templateText('worker-deployment.yaml')).toContain(`args: ${JSON.stringify(['node', ...nodeFlagsOf('worker', 'worker'), 'dist/apps/worker/src/main.js']).replaceAll(',', ', ')}`);
    const server = templateText('server-deployment.yaml');
    expect(server).toMatch(/livenessProbe:\s+httpGet:\s+path: \/healthz/);
    expect(server).toMatch(/readinessProbe:\s+httpGet:\s+path: \/readyz/);
    expect(server).toContain(`containerPort: ${instanceConfigSchema.shape.PORT.parse(undefined)}`);
    expect(templateText('ingress.yaml')).toContain('(printf "*.%s" .Values.baseDomain)');
  });
});


import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { collectLlmStream, LLM, PluginConfigError, TeroError, type LlmRequest, type PluginLogger, type TenantContext } from '@tero/sdk';
import { closedPort, runLlmProviderContract } from '@tero/sdk/testing';
import plugin from './index';
import { OpenAiLlmProvider, resolveOpenAiSettings, type OpenAiLlmConfig } from './openai.llm-provider';
import { FakeOpenAiServer } from './testing';
import manifestPackage from '../package.json';

const KEY = 'sk-test-0123456789';
const ctx: TenantContext = { brandId: 'brand-1', clientId: 'client-1', locale: 'en', requestId: 'req-1' };
const silentLogger: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };
const USAGE = { promptTokens: 3, completionTokens: 2, totalTokens: 5 };
const hello: LlmRequest = { messages: [{ role: 'user', content: 'Hello' }] };

function provider(config: Partial<OpenAiLlmConfig> & { baseUrl: string }): OpenAiLlmProvider {
  return new OpenAiLlmProvider({ model: 'gpt-test', apiKey: KEY, ...config }, silentLogger);
}

let fake: FakeOpenAiServer;

runLlmProviderContract('llm-openai', {
  async setup() {
    fake = await FakeOpenAiServer.start({ apiKey: KEY });
    return {
      provider: provider({ baseUrl: fake.baseUrl }),
      ctx,
      script: (...replies) => fake.script(...replies),
      received: async () => fake.received(),
    };
  },
  async teardown() {
    await fake.stop();
  },
  async unreachable() {
    return provider({ baseUrl: `http://127.0.0.1:${await closedPort()}/v1` });
  },
});

describe('OpenAiLlmProvider beyond the contract', () => {
  afterEach(async () => {
    await fake.stop();
  });

  it('posts to {baseUrl}/chat/completions with the model, a Bearer key and stream_options only when streaming', async () => {
    fake = await FakeOpenAiServer.start({ apiKey: KEY });
    fake.script({ type: 'answer', text: 'Hi', usage: USAGE }, { type: 'answer', text: 'Hi', usage: USAGE });
    const llm = provider({ baseUrl: `${fake.baseUrl}/`, model: 'llama3.1', temperature: 0.4, maxTokens: 64 });

    await llm.complete(ctx, hello);
    await collectLlmStream(llm.stream(ctx, { ...hello, temperature: 0, maxTokens: 10 }));

    const [whole, streamed] = fake.exchanges;
    expect(whole.path).toBe('/v1/chat/completions');
    expect(whole.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(whole.body).toEqual({ model: 'llama3.1', messages: [{ role: 'user', content: 'Hello' }], stream: false, temperature: 0.4, max_tokens: 64 });
    expect(streamed.body).toMatchObject({ stream: true, stream_options: { include_usage: true }, temperature: 0, max_tokens: 10 });
    expect(streamed.headers.accept).toBe('text/event-stream');
  });

  it('speaks Azure style: api-version in the query, the key in api-key, max_completion_tokens when configured', async () => {
    fake = await FakeOpenAiServer.start({ apiKey: KEY, apiKeyHeader: 'api-key', apiVersion: '2024-10-21', basePath: '/openai/deployments/front-desk' });
    fake.script({ type: 'answer', text: 'Bonjour', usage: USAGE });
    const llm = provider({ baseUrl: fake.baseUrl, apiKeyHeader: 'api-key', apiVersion: '2024-10-21', maxTokensParameter: 'max_completion_tokens' });

    const result = await llm.complete(ctx, { ...hello, maxTokens: 50 });

    expect(result.text).toBe('Bonjour');
    const [exchange] = fake.exchanges;
    expect(exchange.query.get('api-version')).toBe('2024-10-21');
    expect(exchange.headers.authorization).toBeUndefined();
    expect(exchange.body).toMatchObject({ max_completion_tokens: 50 });
    expect(exchange.body).not.toHaveProperty('max_tokens');
  });

  it('sends no credentials to a local server configured without a key', async () => {
    fake = await FakeOpenAiServer.start();
    fake.script({ type: 'answer', text: 'ok', usage: USAGE });

    await new OpenAiLlmProvider({ baseUrl: fake.baseUrl, model: 'qwen2.5' }, silentLogger).complete(ctx, hello);

    expect(fake.exchanges[0].headers.authorization).toBeUndefined();
    expect(fake.exchanges[0].headers['api-key']).toBeUndefined();
  });

  it('refuses a wrong key with llm.auth_failed and never puts the key in the error', async () => {
    fake = await FakeOpenAiServer.start({ apiKey: KEY });
    const wrong = provider({ baseUrl: fake.baseUrl, apiKey: 'sk-wrong-secret' });

    const error = await wrong.complete(ctx, hello).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(TeroError);
    expect((error as TeroError).code).toBe('llm.auth_failed');
    expect(JSON.stringify({ message: (error as TeroError).message, params: (error as TeroError).params })).not.toContain('sk-wrong-secret');
  });

  it('passes the retry-after of a 429 on, and the vendor message into the log text', async () => {
    fake = await FakeOpenAiServer.start();
    fake.script({ type: 'error', status: 429, message: 'Rate limit reached for requests' });

    const error = (await provider({ baseUrl: fake.baseUrl }).complete(ctx, hello).catch((e: unknown) => e)) as TeroError;

    expect(error.code).toBe('llm.rate_limited');
    expect(error.params).toMatchObject({ status: 429, retryAfterSeconds: 2 });
    expect(error.message).toContain('Rate limit reached for requests');
  });
});

describe('OpenAiLlmProvider against servers that bend the API', () => {
  let server: Server | undefined;
  async function stop(): Promise<void> {
    const closing = server;
    server = undefined;
    if (!closing) return;
    const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
    closing.closeAllConnections();
    await closed;
  }
  afterEach(stop);

  /** A one-route server answering every request with `write(res)`. */
  async function serve(write: (res: import('node:http').ServerResponse) => void): Promise<string> {
    server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => write(res));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  }

  it('reads CRLF event lines, tool calls without index, name repeated, no usage and no [DONE] after the finish reason', async () => {
    const base = await serve((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunks = [
        { choices: [{ delta: { content: 'Let me ' } }] },
        { choices: [{ delta: { content: 'check.' } }] },
        { choices: [{ delta: { tool_calls: [{ id: 'c1', function: { name: 'find', arguments: '{"q":' } }] } }] },
        { choices: [{ delta: { tool_calls: [{ function: { name: 'find', arguments: '"tue"}' } }] } }] },
        { choices: [{ delta: { tool_calls: [{ id: 'c2', function: { name: 'hold', arguments: '{}' } }] } }] },
        { choices: [{ delta: {}, finish_reason: 'stop' }] },
      ];
      // Cut inside a line and inside a CRLF pair, as a network may.
      const text = chunks.map((chunk) => `data:${JSON.stringify(chunk)}\r\n\r\n`).join('');
      const middle = text.indexOf('\r\n') + 1;
      res.write(text.slice(0, 7));
      res.write(text.slice(7, middle));
      res.end(text.slice(middle));
    });

    const result = await collectLlmStream(provider({ baseUrl: base }).stream(ctx, hello));

    expect(result).toEqual({
      text: 'Let me check.',
      toolCalls: [
        { id: 'c1', name: 'find', arguments: { q: 'tue' }, argumentsText: '{"q":"tue"}' },
        { id: 'c2', name: 'hold', arguments: {}, argumentsText: '{}' },
      ],
      finishReason: 'tool_calls',
      usage: null,
    });
  });

  it('takes a whole JSON answer from a server that ignores stream: true', async () => {
    const base = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'Whole.' }, finish_reason: 'stop' }] }));
    });

    const events = [];
    for await (const event of provider({ baseUrl: base }).stream(ctx, hello)) events.push(event);

    expect(events).toEqual([
      { type: 'text', delta: 'Whole.' },
      { type: 'done', result: { text: 'Whole.', toolCalls: [], finishReason: 'stop', usage: null } },
    ]);
  });

  it('cancels the download when the consumer stops reading early', async () => {
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    const base = await serve((res) => {
      res.on('close', () => closed());
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // The first words, then the server keeps the stream open: only the client can end it.
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'Sure' } }] })}\n\n`);
    });

    for await (const event of provider({ baseUrl: base }).stream(ctx, { ...hello, timeoutMs: 60_000 })) {
      expect(event).toEqual({ type: 'text', delta: 'Sure' });
      break;
    }

    await connectionClosed;
  });

  it('throws a retryable llm.unavailable when the stream is cut before its end', async () => {
    const base = await serve((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${JSON.stringify({ choices: [{ delta: { content: 'Half' } }] })}\n\n`);
    });

    const error = (await collectLlmStream(provider({ baseUrl: base }).stream(ctx, hello)).catch((e: unknown) => e)) as TeroError;

    expect([error.code, error.retryable]).toEqual(['llm.unavailable', true]);
  });

  it('throws llm.unavailable for an error event inside the stream, and llm.invalid_response for a body that is not the API', async () => {
    const streamed = await serve((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${JSON.stringify({ error: { message: 'model overloaded' } })}\n\n`);
    });
    const error = (await collectLlmStream(provider({ baseUrl: streamed }).stream(ctx, hello)).catch((e: unknown) => e)) as TeroError;
    expect([error.code, error.retryable]).toEqual(['llm.unavailable', true]);
    expect(error.message).toContain('model overloaded');
    await stop();

    const html = await serve((res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login page</html>');
    });
    const invalid = (await provider({ baseUrl: html }).complete(ctx, hello).catch((e: unknown) => e)) as TeroError;
    expect([invalid.code, invalid.retryable]).toEqual(['llm.invalid_response', false]);
  });
});

describe('resolveOpenAiSettings', () => {
  it('builds the endpoint from the base URL with or without a trailing slash, and the api-version query', () => {
    expect(resolveOpenAiSettings({ model: 'm' }).url).toBe('https://api.openai.com/v1/chat/completions');
    expect(resolveOpenAiSettings({ model: 'm', baseUrl: 'http://localhost:11434/v1/' }).url).toBe('http://localhost:11434/v1/chat/completions');
    expect(resolveOpenAiSettings({ model: 'm', baseUrl: 'https://r.openai.azure.com/openai/deployments/d', apiVersion: '2024-10-21' }).url).toBe(
      'https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21',
    );
  });

  it('stops with PluginConfigError naming the key for a bad base URL or a missing model', () => {
    expect(() => resolveOpenAiSettings({ model: 'm', baseUrl: 'ftp://example.test' })).toThrow(PluginConfigError);
    expect(() => resolveOpenAiSettings({ model: 'm', baseUrl: 'not a url' })).toThrow(/"baseUrl"/);
    expect(() => resolveOpenAiSettings({ model: ' ' })).toThrow(/"model"/);
  });
});

describe('llm-openai plugin', () => {
  it('declares the manifest the loader expects, with schemas Ajv (2020, strict) compiles and env strings coerce to', () => {
    const manifest = manifestPackage.tero;
    expect(manifest.id).toBe(plugin.id);
    expect(manifest.kinds).toEqual([LLM.id]);
    const ajv = new Ajv2020({ coerceTypes: true, useDefaults: true, strictTypes: false, strictTuples: false });
    addFormats(ajv);
    const instance = ajv.compile(manifest.instanceConfig);
    const tenant = ajv.compile(manifest.tenantConfig);

    const fromEnv: Record<string, unknown> = { model: 'gpt-4o-mini', timeoutMs: '8000', temperature: '0.3', baseUrl: 'http://localhost:8000/v1' };
    expect(instance(fromEnv)).toBe(true);
    expect(fromEnv).toMatchObject({ timeoutMs: 8000, temperature: 0.3, apiKeyHeader: 'authorization', maxTokensParameter: 'max_tokens' });
    expect(instance({})).toBe(false);
    expect(instance({ model: 'm', baseUrl: 'localhost:8000' })).toBe(false);
    expect(instance({ model: 'm', timeoutMs: 100 })).toBe(false);
    expect(instance({ model: 'm', apiKeyHeader: 'x-key' })).toBe(false);
    expect(tenant({ apiKey: 'sk-tenant', model: 'gpt-4o' })).toBe(true);
    expect(tenant({ baseUrl: 'http://169.254.169.254/' })).toBe(false);
  });

  it('provides the LLM port, building a provider from the effective config', () => {
    expect(plugin.provides).toHaveLength(1);
    const [provision] = plugin.provides;
    expect(provision.port).toBe(LLM);
    expect(provision.create({ config: { model: 'gpt-4o-mini' }, logger: silentLogger })).toBeInstanceOf(OpenAiLlmProvider);
    expect(() => provision.create({ config: {}, logger: silentLogger })).toThrow(PluginConfigError);
  });
});

import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { localDate } from '@tero/core';
import { ApiKey, Booking, Call, type CallOutcome, CallTurn, CallerMessage } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type TestApp, bearer, createTestApp, signIn } from './create-test-app';
import { callInfo, postHook } from './jambonz-hook-requests';

jest.setTimeout(90_000);

/** The other client of the demo brand this file makes, on its own address. */
const OTHER_HOST = 'sunny-paws.demo.localhost';
const ALL_SCOPES = ['calls:read', 'bookings:read', 'messages:read', 'analytics:read'];
const OUTCOMES: CallOutcome[] = ['booked', 'message_taken', 'answered', 'abandoned', 'transferred'];
const KEY_IN_PAGE = /tero_live_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/;

/**
 * The OpenAPI 3.1 object model's rules that apply to this document, written here from the specification's
 * text (https://spec.openapis.org/oas/v3.1.0: OpenAPI, Info, Server, Paths, Path Item, Operation,
 * Parameter, Responses, Response, Header, Components, Security Scheme, Tag objects): required fields, field
 * types, the `in` values, a path parameter's `required: true`, response keys as HTTP status codes, and no
 * field the specification does not define (extensions `x-` aside). Schema Objects are checked separately,
 * as JSON Schema 2020-12, by ajv's meta-schema.
 */
const EXTENSIONS = { '^x-': {} };
const OPENAPI_31_RULES = {
  $defs: {
    ref: { type: 'object', required: ['$ref'], properties: { $ref: { type: 'string', format: 'uri-reference' }, summary: { type: 'string' }, description: { type: 'string' } }, additionalProperties: false },
    info: {
      type: 'object',
      required: ['title', 'version'],
      properties: { title: { type: 'string' }, summary: { type: 'string' }, description: { type: 'string' }, termsOfService: { type: 'string' }, contact: { type: 'object' }, license: { type: 'object' }, version: { type: 'string' } },
      patternProperties: EXTENSIONS,
      additionalProperties: false,
    },
    server: { type: 'object', required: ['url'], properties: { url: { type: 'string' }, description: { type: 'string' }, variables: { type: 'object' } }, patternProperties: EXTENSIONS, additionalProperties: false },
    tag: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, description: { type: 'string' }, externalDocs: { type: 'object' } }, patternProperties: EXTENSIONS, additionalProperties: false },
    securityRequirement: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    parameter: {
      type: 'object',
      required: ['name', 'in'],
      properties: {
        name: { type: 'string' },
        in: { enum: ['query', 'header', 'path', 'cookie'] },
        description: { type: 'string' },
        required: { type: 'boolean' },
        deprecated: { type: 'boolean' },
        allowEmptyValue: { type: 'boolean' },
        style: { type: 'string' },
        explode: { type: 'boolean' },
        allowReserved: { type: 'boolean' },
        schema: { type: ['object', 'boolean'] },
        example: true,
        examples: { type: 'object' },
      },
      oneOf: [{ required: ['schema'] }, { required: ['content'] }],
      if: { properties: { in: { const: 'path' } } },
      then: { required: ['required'], properties: { required: { const: true } } },
      patternProperties: EXTENSIONS,
      additionalProperties: false,
    },
    header: { type: 'object', properties: { description: { type: 'string' }, required: { type: 'boolean' }, schema: { type: ['object', 'boolean'] } }, patternProperties: EXTENSIONS, additionalProperties: false },
    mediaType: { type: 'object', properties: { schema: { type: ['object', 'boolean'] }, example: true, examples: { type: 'object' }, encoding: { type: 'object' } }, patternProperties: EXTENSIONS, additionalProperties: false },
    response: {
      type: 'object',
      required: ['description'],
      properties: {
        description: { type: 'string' },
        headers: { type: 'object', additionalProperties: { anyOf: [{ $ref: '#/$defs/header' }, { $ref: '#/$defs/ref' }] } },
        content: { type: 'object', propertyNames: { pattern: '^[a-z]+/[-+.\\w*]+' }, additionalProperties: { $ref: '#/$defs/mediaType' } },
        links: { type: 'object' },
      },
      patternProperties: EXTENSIONS,
      additionalProperties: false,
    },
    responses: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^(default|[1-5](?:[0-9]{2}|XX)|x-.*)$' },
      additionalProperties: { anyOf: [{ $ref: '#/$defs/response' }, { $ref: '#/$defs/ref' }] },
    },
    operation: {
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'string' } },
        summary: { type: 'string' },
        description: { type: 'string' },
        externalDocs: { type: 'object' },
        operationId: { type: 'string' },
        parameters: { type: 'array', items: { anyOf: [{ $ref: '#/$defs/parameter' }, { $ref: '#/$defs/ref' }] } },
        requestBody: { type: 'object' },
        responses: { $ref: '#/$defs/responses' },
        callbacks: { type: 'object' },
        deprecated: { type: 'boolean' },
        security: { type: 'array', items: { $ref: '#/$defs/securityRequirement' } },
        servers: { type: 'array', items: { $ref: '#/$defs/server' } },
      },
      patternProperties: EXTENSIONS,
      additionalProperties: false,
    },
    pathItem: {
      type: 'object',
      properties: {
        $ref: { type: 'string' },
        summary: { type: 'string' },
        description: { type: 'string' },
        ...Object.fromEntries(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'].map((m) => [m, { $ref: '#/$defs/operation' }])),
        servers: { type: 'array', items: { $ref: '#/$defs/server' } },
        parameters: { type: 'array', items: { anyOf: [{ $ref: '#/$defs/parameter' }, { $ref: '#/$defs/ref' }] } },
      },
      patternProperties: EXTENSIONS,
      additionalProperties: false,
    },
    securityScheme: {
      type: 'object',
      required: ['type'],
      properties: {
        type: { enum: ['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'] },
        description: { type: 'string' },
        name: { type: 'string' },
        in: { enum: ['query', 'header', 'cookie'] },
        scheme: { type: 'string' },
        bearerFormat: { type: 'string' },
        flows: { type: 'object' },
        openIdConnectUrl: { type: 'string' },
      },
      if: { properties: { type: { const: 'http' } } },
      then: { required: ['scheme'] },
      patternProperties: EXTENSIONS,
      additionalProperties: false,
    },
    components: {
      type: 'object',
      properties: {
        schemas: { type: 'object', additionalProperties: { type: ['object', 'boolean'] } },
        responses: { type: 'object', additionalProperties: { anyOf: [{ $ref: '#/$defs/response' }, { $ref: '#/$defs/ref' }] } },
        parameters: { type: 'object', additionalProperties: { anyOf: [{ $ref: '#/$defs/parameter' }, { $ref: '#/$defs/ref' }] } },
        securitySchemes: { type: 'object', additionalProperties: { anyOf: [{ $ref: '#/$defs/securityScheme' }, { $ref: '#/$defs/ref' }] } },
        examples: { type: 'object' },
        requestBodies: { type: 'object' },
        headers: { type: 'object' },
        links: { type: 'object' },
        callbacks: { type: 'object' },
        pathItems: { type: 'object' },
      },
      propertyNames: { pattern: '^(schemas|responses|parameters|examples|requestBodies|headers|securitySchemes|links|callbacks|pathItems|x-.*)$' },
      patternProperties: EXTENSIONS,
    },
  },
  type: 'object',
  required: ['openapi', 'info'],
  anyOf: [{ required: ['paths'] }, { required: ['components'] }, { required: ['webhooks'] }],
  properties: {
    openapi: { type: 'string', pattern: '^3\\.1\\.\\d+(-.+)?$' },
    info: { $ref: '#/$defs/info' },
    jsonSchemaDialect: { type: 'string', format: 'uri' },
    servers: { type: 'array', items: { $ref: '#/$defs/server' } },
    paths: { type: 'object', propertyNames: { pattern: '^/' }, additionalProperties: { $ref: '#/$defs/pathItem' } },
    webhooks: { type: 'object' },
    components: { $ref: '#/$defs/components' },
    security: { type: 'array', items: { $ref: '#/$defs/securityRequirement' } },
    tags: { type: 'array', items: { $ref: '#/$defs/tag' } },
    externalDocs: { type: 'object' },
  },
  patternProperties: EXTENSIONS,
  additionalProperties: false,
};

type Json = Record<string, unknown>;

describe('client API /api/v1 with API keys', () => {
  let t: TestApp;
  let ownerCookie: string;
  let bright: TenantContext;
  let other: TenantContext;
  let otherCallId: string;
  let detailCallId: string;
  let fullKey: string;
  const host = () => t.logins.owner.host;
  const em = () => t.kernel.db.forInstance('e2e assertions');
  const api = (path: string, key: string | null, onHost = host()) => {
    const req = t.http(onHost).get(path);
    return key === null ? req : req.set('Authorization', `Bearer ${key}`);
  };

  /** Makes a key through the owner's page, as the owner does; returns the key shown once. */
  async function makeKey(name: string, scopes: string[], rateLimitPerMinute = 600): Promise<string> {
    const token = await csrf();
    const form = [`_csrf=${encodeURIComponent(token)}`, `name=${encodeURIComponent(name)}`, `rateLimitPerMinute=${rateLimitPerMinute}`, ...scopes.map((s) => `scopes=${encodeURIComponent(s)}`)].join('&');
    const res = await t.http(host()).post('/settings/api-keys').set('Cookie', ownerCookie).type('form').send(form);
    expect(res.status).toBe(200);
    const key = KEY_IN_PAGE.exec(res.text)?.[0];
    if (!key) throw new Error(`no key on the page: ${res.text.slice(0, 300)}`);
    return key;
  }

  async function csrf(): Promise<string> {
    const res = await t.http(host()).get('/settings/api-keys').set('Cookie', ownerCookie).set('Accept', 'text/html');
    return /name="_csrf" value="([^"]+)"/.exec(res.text)![1]!;
  }

  beforeAll(async () => {
    t = await createTestApp();
    ownerCookie = await signIn(t, t.logins.owner);
    const resolved = await t.kernel.resolver.resolve(host());
    if (resolved?.kind !== 'client') throw new Error('demo client not found');
    bright = { brandId: resolved.brand.id, clientId: resolved.client.id, locale: 'en' };
    const vet = await t.kernel.accounts.createClient({ ...bright, clientId: null }, { name: 'Sunny Paws Vet', slug: 'sunny-paws', professionPack: 'dentist', timezone: 'Europe/Paris' });
    other = { brandId: bright.brandId, clientId: vet.id, locale: 'en' };

    // One real call through the jambonz hook, then fixtures: 30 ended calls a minute apart, a transcript,
    // bookings and messages made in calls, and a call of the other client.
    const line = t.lines[0]!;
    const sid = randomUUID();
    expect((await postHook(t, 'call', { ...callInfo(line, sid, '+15557770001'), call_status: 'trying', sip_status: 100 }, { secret: line.secret })).status).toBe(200);
    await t.kernel.telephony.writer.flush();

    const write = t.kernel.db.forTenant(bright);
    const now = Date.now();
    for (let i = 0; i < 30; i++) {
      const outcome = OUTCOMES[i % OUTCOMES.length]!;
      const callSid = `fixture-${i}`;
      const call = write.create(Call, {
        brand: bright.brandId,
        client: bright.clientId!,
        callSid,
        fromNumber: `+1555010${String(i).padStart(4, '0')}`,
        toNumber: line.number,
        route: i % 3 === 0 ? 'after_hours' : 'open',
        outcome,
        status: 'completed',
        startedAt: new Date(now - (i + 1) * 60_000),
        endedAt: new Date(now - (i + 1) * 60_000 + 45_000),
        durationSeconds: 45,
        turnCount: i === 0 ? 3 : 0,
      });
      if (outcome === 'booked') {
        const booking = write.create(Booking, {
          brand: bright.brandId,
          client: bright.clientId!,
          serviceId: 'cleaning',
          serviceName: 'Cleaning',
          valueMinor: 12_000,
          currency: 'USD',
          startsAt: new Date(now + (i + 1) * 3_600_000),
          endsAt: new Date(now + (i + 1) * 3_600_000 + 1_800_000),
          status: 'confirmed',
          callerPhone: call.fromNumber,
          callSid,
          idempotencyKey: `fixture:${i}`,
        });
        call.bookingId = booking.id;
      }
      if (outcome === 'message_taken') {
        const message = write.create(CallerMessage, { brand: bright.brandId, client: bright.clientId!, callSid, callbackNumber: call.fromNumber, text: `Please call back about ${i}`, urgent: i % 2 === 0 });
        call.messageId = message.id;
      }
      if (i === 0) {
        detailCallId = call.id;
        ['Hello, Bright Smile Dental.', 'I would like a cleaning.', 'Tuesday at nine works.'].forEach((text, seq) =>
          write.create(CallTurn, { brand: bright.brandId, client: bright.clientId!, call, seq, speaker: seq % 2 ? 'caller' : 'agent', text, at: new Date(now - 60_000 + seq * 5_000) }),
        );
      }
    }
    await write.flush();
    const otherWrite = t.kernel.db.forTenant(other);
    const foreign = otherWrite.create(Call, { brand: other.brandId, client: other.clientId!, callSid: 'foreign-1', fromNumber: '+15550109999', toNumber: '+15550000000', route: 'open', outcome: 'booked', startedAt: new Date(now - 30_000) });
    otherWrite.create(CallTurn, { brand: other.brandId, client: other.clientId!, call: foreign, seq: 0, speaker: 'agent', text: 'Sunny Paws, bonjour.', at: new Date(now - 30_000) });
    await otherWrite.flush();
    otherCallId = foreign.id;

    fullKey = await makeKey('Everything', ALL_SCOPES);
  });
  afterAll(() => t.close());

  describe('the owner\'s keys page', () => {
    it('shows a new key once and keeps only its prefix and a hash', async () => {
      const key = await makeKey('CRM sync', ['calls:read']);
      const prefix = key.slice(0, 'tero_live_'.length + 8);
      const row = await em().findOneOrFail(ApiKey, { prefix });
      expect(row).toMatchObject({ name: 'CRM sync', scopes: ['calls:read'], rateLimitPerMinute: 600, client: { id: bright.clientId } });
      expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(row)).not.toContain(key.slice(prefix.length + 1));
      const page = await t.http(host()).get('/settings/api-keys').set('Cookie', ownerCookie).set('Accept', 'text/html');
      expect(page.status).toBe(200);
      expect(page.text).toContain(prefix);
      expect(page.text).not.toMatch(KEY_IN_PAGE);
      expect(page.headers['cache-control']).toBe('no-store');
    });

    it('refuses a key without scopes or a name and makes nothing', async () => {
      const before = await em().count(ApiKey, {});
      const token = await csrf();
      const res = await t.http(host()).post('/settings/api-keys').set('Cookie', ownerCookie).type('form').send({ _csrf: token, name: '', rateLimitPerMinute: '0' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('data-field-error="scopes"');
      expect(res.text).toContain('data-field-error="name"');
      expect(res.text).toContain('data-field-error="rateLimitPerMinute"');
      expect(res.text).not.toMatch(KEY_IN_PAGE);
      expect(await em().count(ApiKey, {})).toBe(before);
    });

    it('is the client owner\'s only: another role is refused, a visitor is sent to sign in', async () => {
      const brandAdmin = await signIn(t, t.logins.brandAdmin);
      expect((await t.http(t.logins.brandAdmin.host).get('/settings/api-keys').set('Cookie', brandAdmin).set('Accept', 'text/html')).status).toBe(403);
      const anonymous = await t.http(host()).get('/settings/api-keys').set('Accept', 'text/html');
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.location).toBe('/login');
    });

    it('refuses a form without its CSRF token and makes nothing', async () => {
      const before = await em().count(ApiKey, {});
      const res = await t.http(host()).post('/settings/api-keys').set('Cookie', ownerCookie).type('form').send({ name: 'Forged', scopes: 'calls:read' });
      expect(res.status).toBe(403);
      expect(await em().count(ApiKey, {})).toBe(before);
    });

    it('gives another brand\'s owner their own keys, which read only their own calls', async () => {
      const harbor = t.logins.harborOwner;
      const cookie = await signIn(t, harbor);
      const page = await t.http(harbor.host).get('/settings/api-keys').set('Cookie', cookie).set('Accept', 'text/html');
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('data-key-prefix');
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
      const made = await t.http(harbor.host).post('/settings/api-keys').set('Cookie', cookie).type('form').send(`_csrf=${encodeURIComponent(token)}&name=Harbor&scopes=calls%3Aread`);
      const key = KEY_IN_PAGE.exec(made.text)![0];
      const own = await api('/api/v1/calls', key, harbor.host);
      expect(own.status).toBe(200);
      expect(own.body.items).toEqual([]);
      expect((await api('/api/v1/calls', key)).status).toBe(403);
      expect((await api(`/api/v1/calls/${detailCallId}`, key, harbor.host)).status).toBe(404);
    });

    it('links the page from the owner\'s header', async () => {
      const page = await t.http(host()).get('/').set('Cookie', ownerCookie).set('Accept', 'text/html');
      expect(page.text).toContain('href="/settings/api-keys"');
    });
  });

  describe('key lifecycle', () => {
    it('create → use (last use recorded, RateLimit headers) → revoke after confirming → 401 revoked', async () => {
      const key = await makeKey('Short-lived', ['calls:read'], 50);
      const prefix = key.slice(0, 18);
      const used = await api('/api/v1/calls?limit=1', key);
      expect(used.status).toBe(200);
      expect(used.headers['ratelimit-limit']).toBe('50');
      expect(used.headers['ratelimit-remaining']).toBe('49');
      const row = await em().findOneOrFail(ApiKey, { prefix });
      expect(row.lastUsedAt).toBeInstanceOf(Date);

      const unconfirmed = await t.http(host()).post(`/settings/api-keys/${row.id}/revoke`).set('Cookie', ownerCookie).type('form').send({ _csrf: await csrf() });
      expect(unconfirmed.status).toBe(400);
      expect((await api('/api/v1/calls?limit=1', key)).status).toBe(200);

      const revoked = await t.http(host()).post(`/settings/api-keys/${row.id}/revoke`).set('Cookie', ownerCookie).type('form').send({ _csrf: await csrf(), confirm: 'yes' });
      expect(revoked.status).toBe(303);
      const refused = await api('/api/v1/calls', key);
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('analytics.api_key_revoked');
      expect(refused.body.error.message).toContain(prefix);
      const page = await t.http(host()).get('/settings/api-keys').set('Cookie', ownerCookie).set('Accept', 'text/html');
      expect(page.text).toMatch(new RegExp(`data-key-prefix="${prefix}" data-state="revoked"`));
    });

    it('refuses a missing, malformed, unknown or wrong key, and a session token, with 401', async () => {
      const codes = async (authorization: string | null) => {
        const req = t.http(host()).get('/api/v1/calls');
        const res = await (authorization === null ? req : req.set('Authorization', authorization));
        expect(res.status).toBe(401);
        return res.body.error.code as string;
      };
      expect(await codes(null)).toBe('analytics.api_key_missing');
      expect(await codes(`Bearer ${fullKey.slice(0, -1)}`)).toBe('analytics.api_key_invalid');
      expect(await codes(`Bearer tero_live_00000000_${'A'.repeat(43)}`)).toBe('analytics.api_key_invalid');
      // The right prefix with another secret is the same answer as an unknown key.
      expect(await codes(`Bearer ${fullKey.slice(0, 19)}${'B'.repeat(43)}`)).toBe('analytics.api_key_invalid');
      expect(await codes(await bearer(t, t.logins.owner))).toBe('analytics.api_key_missing');
    });

    it('refuses a key on another client\'s address', async () => {
      const res = await api('/api/v1/calls', fullKey, OTHER_HOST);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('tenant.mismatch');
    });
  });

  describe('scopes', () => {
    it('answers 403 naming the scope a key lacks', async () => {
      const key = await makeKey('Calls only', ['calls:read']);
      expect((await api('/api/v1/calls', key)).status).toBe(200);
      for (const [path, scope] of [['/api/v1/bookings', 'bookings:read'], ['/api/v1/messages', 'messages:read'], ['/api/v1/analytics/summary', 'analytics:read']] as const) {
        const res = await api(path, key);
        expect(res.status).toBe(403);
        expect(res.body.error).toMatchObject({ code: 'analytics.api_scope_missing' });
        expect(res.body.error.message).toContain(scope);
      }
      const bookingsOnly = await makeKey('Bookings only', ['bookings:read']);
      expect((await api(`/api/v1/calls/${detailCallId}`, bookingsOnly)).status).toBe(403);
      expect((await api('/api/v1/bookings', bookingsOnly)).status).toBe(200);
    });
  });

  describe('rate limit', () => {
    it('answers 429 with Retry-After after the key\'s requests per minute, and counts per key', async () => {
      const key = await makeKey('Slow', ['calls:read'], 3);
      for (let i = 0; i < 3; i++) expect((await api('/api/v1/calls?limit=1', key)).status).toBe(200);
      const over = await api('/api/v1/calls?limit=1', key);
      expect(over.status).toBe(429);
      expect(over.body.error.code).toBe('analytics.api_rate_limited');
      const retryAfter = Number(over.headers['retry-after']);
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      expect(over.headers['ratelimit-remaining']).toBe('0');
      expect(over.headers['ratelimit-limit']).toBe('3');
      // Another key of the same client is not slowed down.
      expect((await api('/api/v1/calls?limit=1', fullKey)).status).toBe(200);
    });
  });

  describe('lists and filters', () => {
    it('pages every call of the client once, newest first, and none of another client\'s', async () => {
      const seen: Json[] = [];
      let cursor: string | null = null;
      do {
        const res = await api(`/api/v1/calls?limit=7${cursor ? `&cursor=${cursor}` : ''}`, fullKey);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(7);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      const stored = await t.kernel.db.forTenant(bright).find(Call, {}, { orderBy: { startedAt: 'desc', id: 'desc' } });
      expect(seen.map((c) => c.id)).toEqual(stored.map((c) => c.id));
      expect(stored.length).toBe(31);
      expect(seen.some((c) => c.id === otherCallId)).toBe(false);
    });

    it('filters by outcome, caller digits and local dates', async () => {
      const booked = await api('/api/v1/calls?outcome=booked&limit=100', fullKey);
      expect(booked.body.items.length).toBe(6);
      expect(booked.body.items.every((c: Json) => c.outcome === 'booked')).toBe(true);
      const two = await api('/api/v1/calls?outcome=booked,answered&limit=100', fullKey);
      expect(two.body.items.length).toBe(12);
      const caller = await api(`/api/v1/calls?caller=${encodeURIComponent('(555) 010-0007')}`, fullKey);
      expect(caller.body.items.map((c: Json) => c.fromNumber)).toEqual(['+15550100007']);
      const tomorrow = localDate(new Date(Date.now() + 2 * 86_400_000), 'America/New_York');
      const none = await api(`/api/v1/calls?from=${tomorrow}&to=${tomorrow}`, fullKey);
      expect(none.status).toBe(200);
      expect(none.body).toEqual({ items: [], nextCursor: null });
    });

    it('refuses an unknown filter by name, a malformed or foreign cursor, and bad values with 400', async () => {
      // Calls are the call log's search, with its codes; bookings and messages are paged here, with the API's.
      for (const [path, code] of [['/api/v1/calls', 'analytics.unknown_filter'], ['/api/v1/bookings', 'analytics.api_unknown_parameter'], ['/api/v1/messages', 'analytics.api_unknown_parameter']] as const) {
        const unknown = await api(`${path}?outcom=booked`, fullKey);
        expect(unknown.status).toBe(400);
        expect(unknown.body.error.code).toBe(code);
        expect(unknown.body.error.message).toContain('outcom');
      }
      const bookingsPage = await api('/api/v1/bookings?limit=1', fullKey);
      const messagesPage = await api('/api/v1/messages?limit=1', fullKey);
      const callsPage = await api('/api/v1/calls?limit=1', fullKey);
      const garbage = ['not-a-cursor', Buffer.from('{"l":"calls","t":"yesterday","i":"x"}').toString('base64url'), '%%%'];
      for (const [path, code, foreign] of [
        ['/api/v1/calls', 'analytics.invalid_cursor', bookingsPage.body.nextCursor],
        ['/api/v1/bookings', 'analytics.api_bad_cursor', messagesPage.body.nextCursor],
        ['/api/v1/messages', 'analytics.api_bad_cursor', callsPage.body.nextCursor],
      ] as const) {
        for (const cursor of [...garbage, foreign]) {
          const res = await api(`${path}?cursor=${encodeURIComponent(cursor)}`, fullKey);
          expect([path, cursor, res.status, res.body.error?.code]).toEqual([path, cursor, 400, code]);
        }
      }
      for (const query of ['limit=0', 'limit=101', 'from=2026-02-30&to=2026-03-01', 'from=2026-11-02&to=2026-11-01', 'from=2026-11-02', 'outcome=won', 'minDuration=-1', 'sort=random']) {
        const res = await api(`/api/v1/calls?${query}`, fullKey);
        expect([query, res.status]).toEqual([query, 400]);
      }
      for (const query of ['limit=0', 'limit=5&limit=6', 'from=2026-02-30', 'from=2026-11-02&to=2026-11-01', 'status=lost']) {
        const res = await api(`/api/v1/bookings?${query}`, fullKey);
        expect([query, res.status, res.body.error.code]).toEqual([query, 400, 'analytics.api_bad_parameter']);
      }
    });

    it('treats SQL metacharacters in filters as bad values, changing nothing', async () => {
      const before = await em().count(Call, {});
      for (const query of [
        `caller=${encodeURIComponent("1' OR '1'='1")}`,
        `caller=${encodeURIComponent('%')}`,
        `caller=${encodeURIComponent('_')}`,
        `outcome=${encodeURIComponent("booked' OR 1=1--")}`,
        `from=${encodeURIComponent("2026-01-01'; drop table calls;--")}`,
        `cursor=${encodeURIComponent("' OR 1=1--")}`,
      ]) {
        const res = await api(`/api/v1/calls?${query}`, fullKey);
        expect([query, res.status]).toEqual([query, 400]);
      }
      for (const query of [`status=${encodeURIComponent("new' OR '1'='1")}`, `from=${encodeURIComponent("2026-01-01' --")}`]) {
        expect((await api(`/api/v1/messages?${query}`, fullKey)).status).toBe(400);
      }
      // Words searched in transcripts are plain text: quotes and wildcards are looked for as themselves.
      for (const q of ["' OR 1=1 --", '%', '_', 'a%b']) {
        const res = await api(`/api/v1/calls?q=${encodeURIComponent(q)}`, fullKey);
        expect([q, res.status, res.body.items]).toEqual([q, 200, []]);
      }
      const words = await api('/api/v1/calls?q=cleaning', fullKey);
      expect(words.body.items.map((c: Json) => c.id)).toEqual([detailCallId]);
      expect(await em().count(Call, {})).toBe(before);
    });

    it('lists bookings and messages with the call they were made in', async () => {
      const bookings = await api('/api/v1/bookings?limit=100', fullKey);
      expect(bookings.status).toBe(200);
      expect(bookings.body.items).toHaveLength(6);
      const calls = await t.kernel.db.forTenant(bright).find(Call, { outcome: 'booked' });
      for (const b of bookings.body.items) {
        expect(b.value).toEqual({ amountMinor: 12_000, currency: 'USD' });
        expect(calls.find((c) => c.id === b.callId)?.bookingId).toBe(b.id);
      }
      const messages = await api('/api/v1/messages?status=new', fullKey);
      expect(messages.body.items).toHaveLength(6);
      expect(messages.body.items[0]).toMatchObject({ status: 'new', callId: expect.any(String) });
    });
  });

  describe('one call', () => {
    it('gives a call with its turns in order', async () => {
      const res = await api(`/api/v1/calls/${detailCallId}`, fullKey);
      expect(res.status).toBe(200);
      expect(res.body.turns.map((turn: Json) => turn.seq)).toEqual([0, 1, 2]);
      expect(res.body.turns[1]).toMatchObject({ speaker: 'caller', text: 'I would like a cleaning.' });
      const turns = await api(`/api/v1/calls/${detailCallId}/turns`, fullKey);
      expect(turns.body.items).toEqual(res.body.turns);
    });

    it('answers 404 for another client\'s call id, a made-up id and a malformed one', async () => {
      for (const id of [otherCallId, randomUUID(), 'abc', "1' OR '1'='1"]) {
        for (const suffix of ['', '/turns']) {
          const res = await api(`/api/v1/calls/${encodeURIComponent(id)}${suffix}`, fullKey);
          expect(res.status).toBe(404);
          expect(res.body.error.code).toBe('analytics.api_call_not_found');
          expect(JSON.stringify(res.body)).not.toContain('Sunny Paws');
        }
      }
    });
  });

  describe('summary', () => {
    it('gives the dashboard\'s figures for the same range, revenue as money', async () => {
      const today = localDate(new Date(), 'America/New_York');
      const res = await api(`/api/v1/analytics/summary?from=${today}&to=${today}`, fullKey);
      expect(res.status).toBe(200);
      const dashboard = await t.kernel.analytics.summary({ ...bright, locale: 'en' }, { from: today, to: today });
      expect(res.body).toMatchObject({ range: { from: today, to: today }, calls: dashboard.calls, successRate: dashboard.successRate, outcomes: dashboard.outcomes });
      expect(res.body.revenue).toEqual({ amountMinor: dashboard.revenueMinor, currency: dashboard.currency });
      const stored = await t.kernel.db.forTenant(bright).find(Call, {});
      expect(res.body.calls).toBe(stored.filter((c) => localDate(c.startedAt, 'America/New_York') === today).length);
      const defaulted = await api('/api/v1/analytics/summary', fullKey);
      expect(defaulted.body.range.to).toBe(today);
      expect(defaulted.body.perDay).toHaveLength(30);
      expect((await api('/api/v1/analytics/summary?from=2024-01-01&to=2026-01-01', fullKey)).status).toBe(400);
    });
  });

  describe('OpenAPI document and /api/docs', () => {
    let doc: Json & { paths: Record<string, { get: Json & { parameters: Json[]; responses: Record<string, Json> } }>; components: { schemas: Record<string, Json>; responses: Record<string, Json>; securitySchemes: Record<string, Json> } };
    let ajv: Ajv2020;

    beforeAll(async () => {
      const res = await t.http(host()).get('/api/v1/openapi.json');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      doc = res.body;
      ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
      addFormats(ajv);
      // The document's own schemas, reachable by their `#/components/schemas/…` pointers.
      ajv.addKeyword({ keyword: 'components' });
      ajv.addSchema({ $id: 'openapi', components: doc.components }, 'openapi');
    });

    const schemaOf = (ref: unknown) => `openapi${String(ref)}`;
    function expectMatches(ref: unknown, body: unknown) {
      const validate = ajv.getSchema(schemaOf(ref));
      if (!validate) throw new Error(`no schema at ${String(ref)}`);
      const ok = validate(body);
      if (!ok) throw new Error(`response does not match ${String(ref)}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
    }
    it('validation is not vacuous: a body off its schema is refused', () => {
      const validate = ajv.getSchema(schemaOf('#/components/schemas/CallPage'))!;
      expect(validate({ items: [], nextCursor: null })).toBe(true);
      expect(validate({ items: [{ id: 'x' }], nextCursor: null })).toBe(false);
      expect(validate({ items: [], nextCursor: null, extra: 1 })).toBe(false);
      expect(ajv.getSchema(schemaOf('#/components/schemas/Money'))!({ amountMinor: 1.5, currency: 'USD' })).toBe(false);
    });

    const responseSchema = (response: Json): unknown => {
      const resolved = typeof response.$ref === 'string' ? doc.components.responses[response.$ref.split('/').pop()!]! : response;
      return (resolved.content as { 'application/json': { schema: { $ref: string } } })['application/json'].schema.$ref;
    };

    it('is a well-formed OpenAPI 3.1 document: the object model\'s rules, every $ref resolves, ids are unique, path parameters declared, schemas valid JSON Schema 2020-12', () => {
      expect(doc).toMatchObject({ openapi: '3.1.0', info: { title: expect.any(String), version: expect.any(String) }, security: [{ apiKey: [] }] });
      // `required` inside anyOf/oneOf/then names fields defined beside it, as the specification's rules do.
      const rules = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
      addFormats(rules);
      const fitsTheModel = rules.compile(OPENAPI_31_RULES);
      if (!fitsTheModel(doc)) throw new Error(`not an OpenAPI 3.1 document: ${rules.errorsText(fitsTheModel.errors)}`);
      expect(fitsTheModel({ ...doc, paths: { '/x': { get: { responses: { '200': {} } } } } })).toBe(false);
      expect(fitsTheModel({ ...doc, paths: { '/x/{id}': { get: { parameters: [{ name: 'id', in: 'path', schema: {} }], responses: { '200': { description: 'ok' } } } } } })).toBe(false);
      expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(Object.keys(doc.paths).sort()).toEqual(['/analytics/summary', '/bookings', '/calls', '/calls/{id}', '/calls/{id}/turns', '/messages']);
      const refs: string[] = [];
      const walk = (node: unknown) => {
        if (Array.isArray(node)) node.forEach(walk);
        else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) k === '$ref' ? refs.push(String(v)) : walk(v);
      };
      walk(doc);
      for (const ref of refs) {
        const target = ref.replace(/^#\//, '').split('/').reduce<unknown>((at, part) => (at as Json | undefined)?.[part], doc);
        expect([ref, target !== undefined]).toEqual([ref, true]);
      }
      const ids = Object.values(doc.paths).map((p) => p.get.operationId);
      expect(new Set(ids).size).toBe(ids.length);
      for (const [path, item] of Object.entries(doc.paths)) {
        const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const declared = item.get.parameters.filter((p) => p.in === 'path');
        expect(declared.map((p) => p.name)).toEqual(templated);
        expect(declared.every((p) => p.required === true)).toBe(true);
        expect(Object.keys(item.get.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '429']));
        expect(ALL_SCOPES).toContain(item.get['x-scope']);
      }
      for (const [name, schema] of Object.entries(doc.components.schemas)) {
        expect([name, ajv.validateSchema(schema)]).toEqual([name, true]);
        expect(ajv.getSchema(schemaOf(`#/components/schemas/${name}`))).toBeDefined();
      }
    });

    it('offers only parameters the server takes, with examples it accepts', async () => {
      const unknownCodes = ['analytics.unknown_filter', 'analytics.api_unknown_parameter'];
      for (const [path, item] of Object.entries(doc.paths)) {
        const url = `/api/v1${path.replace('{id}', detailCallId)}`;
        const query = item.get.parameters.filter((q) => q.in === 'query');
        const examples = query.filter((q) => q.example !== undefined).map((q) => `${String(q.name)}=${encodeURIComponent(String(q.example))}`);
        const all = await api(`${url}${examples.length ? `?${examples.join('&')}` : ''}`, fullKey);
        expect([path, all.status]).toEqual([path, 200]);
        for (const p of query) {
          const alone = await api(`${url}?${String(p.name)}=${encodeURIComponent(String(p.example ?? 'x'))}`, fullKey);
          expect([path, p.name, unknownCodes.includes(alone.body.error?.code)]).toEqual([path, p.name, false]);
        }
        const res = await api(`${url}?notInTheDocument=1`, fullKey);
        expect([path, res.status, unknownCodes.includes(res.body.error.code)]).toEqual([path, 400, true]);
      }
    });

    it('every route answers with the schema it declares, errors included', async () => {
      for (const [path, item] of Object.entries(doc.paths)) {
        const url = `/api/v1${path.replace('{id}', detailCallId)}`;
        const ok = await api(url, fullKey);
        expect([path, ok.status]).toEqual([path, 200]);
        expectMatches(responseSchema(item.get.responses['200']!), ok.body);
        const unauthorized = await api(url, null);
        expect(unauthorized.status).toBe(401);
        expectMatches(responseSchema(item.get.responses['401']!), unauthorized.body);
      }
      expectMatches(responseSchema(doc.paths['/calls']!.get.responses['400']!), (await api('/api/v1/calls?bogus=1', fullKey)).body);
      expectMatches(responseSchema(doc.paths['/calls/{id}']!.get.responses['404']!), (await api(`/api/v1/calls/${otherCallId}`, fullKey)).body);
      const narrow = await makeKey('Narrow', ['messages:read'], 1);
      expectMatches(responseSchema(doc.paths['/calls']!.get.responses['403']!), (await api('/api/v1/calls', narrow)).body);
      await api('/api/v1/messages', narrow);
      expectMatches(responseSchema(doc.paths['/messages']!.get.responses['429']!), (await api('/api/v1/messages', narrow)).body);
    });

    it('/api/docs lists every operation with its parameters, responses and a curl line, and every schema', async () => {
      const res = await t.http(host()).get('/api/docs').set('Accept', 'text/html');
      expect(res.status).toBe(200);
      for (const [path, item] of Object.entries(doc.paths)) {
        expect(res.text).toContain(`data-operation="${item.get.operationId}"`);
        expect(res.text).toContain(`GET /api/v1${path}`);
        for (const p of item.get.parameters) expect(res.text).toContain(`data-parameter="${p.name}"`);
        expect(res.text).toMatch(new RegExp(`data-curl="${item.get.operationId}">curl -H &quot;Authorization: Bearer \\$TERO_API_KEY&quot;`));
      }
      for (const name of Object.keys(doc.components.schemas)) expect(res.text).toContain(`data-schema="${name}"`);
      expect(res.text).not.toMatch(/<script[^>]+src="https?:/);
      const spanish = await t.http(host()).get('/api/docs?lang=es').set('Accept', 'text/html');
      expect(spanish.text).toContain('Parámetros');
    });
  });
});

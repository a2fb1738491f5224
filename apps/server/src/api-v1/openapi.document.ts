import { CALL_LOG_DEFAULT_LIMIT, CALL_LOG_FILTERS, CALL_LOG_MAX_DURATION_SECONDS, CALL_LOG_MAX_LIMIT, CALL_LOG_MAX_RANGE_DAYS, CALL_LOG_MAX_TEXT_LENGTH, DEFAULT_LIMIT, LIST_PARAMETERS, MAX_LIMIT, type ParamSpec } from '@tero/analytics';
import { API_KEY_SCOPES, BOOKING_STATUSES, CALL_OUTCOMES, CALL_ROUTES, MESSAGE_STATUSES, TURN_SPEAKERS, type ApiKeyScope } from '@tero/db';

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1). */
export type JsonSchema = Record<string, unknown>;

export interface ParameterObject {
  name: string;
  in: 'query' | 'path';
  required: boolean;
  description: string;
  schema: JsonSchema;
  example?: string | number;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: { 'application/json': { schema: JsonSchema } };
}

export interface OperationObject {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  parameters: ParameterObject[];
  responses: Record<string, ResponseObject | { $ref: string }>;
  security?: Record<string, string[]>[];
  /** The API key scope the operation needs (an extension: OpenAPI's bearer scheme has no scopes). */
  'x-scope'?: ApiKeyScope;
}

/** The OpenAPI 3.1 document of the client API: what `/api/v1/openapi.json` serves and `/api/docs` shows. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  jsonSchemaDialect: string;
  info: { title: string; version: string; description: string };
  servers: { url: string; description: string }[];
  security: Record<string, string[]>[];
  tags: { name: string; description: string }[];
  paths: Record<string, { get: OperationObject }>;
  components: {
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; bearerFormat: string; description: string }>;
    schemas: Record<string, JsonSchema>;
    responses: Record<string, ResponseObject>;
  };
}

/** The summary's parameters: a range of local dates. */
export const SUMMARY_PARAMETERS = { from: 'date', to: 'date' } as const satisfies ParamSpec;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string, extra: JsonSchema = {}): JsonSchema => ({ type: [type, 'null'], ...extra });
const dateTime = (description: string): JsonSchema => ({ type: 'string', format: 'date-time', description });
const object = (properties: Record<string, JsonSchema>, description?: string): JsonSchema => ({
  type: 'object',
  ...(description ? { description } : {}),
  required: Object.keys(properties),
  additionalProperties: false,
  properties,
});
const page = (item: string, description: string): JsonSchema =>
  object({ items: { type: 'array', items: ref(item) }, nextCursor: nullable('string', { description: 'Pass as `cursor` for the next page; null on the last page.' }) }, description);

const CALL_PROPERTIES: Record<string, JsonSchema> = {
  id: { type: 'string', format: 'uuid' },
  callSid: { type: 'string', description: 'The telephony platform\'s call id.' },
  direction: { type: 'string', enum: ['inbound', 'outbound'] },
  fromNumber: { type: 'string', description: 'The caller\'s number (E.164 when known).' },
  toNumber: { type: 'string', description: 'The client\'s number that was called.' },
  callerName: nullable('string'),
  status: { type: 'string', description: 'The last call status the telephony platform reported (`in-progress`, `completed`…).' },
  route: { type: 'string', enum: [...CALL_ROUTES], description: 'Why the call took its path: open hours, after hours, holiday…' },
  outcome: { enum: [...CALL_OUTCOMES, null], description: 'How the call ended for the business; null while it is in progress.' },
  locale: { type: 'string' },
  startedAt: dateTime('When the call arrived.'),
  endedAt: { ...nullable('string'), format: 'date-time' },
  durationSeconds: nullable('integer', { minimum: 0 }),
  turnCount: { type: 'integer', minimum: 0 },
  transferTo: nullable('string'),
  bookingId: { ...nullable('string'), format: 'uuid', description: 'The booking made in the call.' },
  messageId: { ...nullable('string'), format: 'uuid', description: 'The message taken in the call.' },
};

const SCHEMAS: Record<string, JsonSchema> = {
  Money: object({ amountMinor: { type: 'integer', description: 'Minor units (cents) of the currency.' }, currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 code.' } }, 'An amount of money, never a float.'),
  Call: object(CALL_PROPERTIES, 'One phone call to the client\'s number.'),
  Turn: object(
    {
      seq: { type: 'integer', minimum: 0, description: 'Order within the call, from 0.' },
      speaker: { type: 'string', enum: [...TURN_SPEAKERS] },
      text: { type: 'string' },
      confidence: nullable('number', { description: 'Speech recognition confidence (caller turns), 0..1.' }),
      intent: nullable('string', { description: 'What the agent understood (caller turns).' }),
      at: dateTime('When it was said.'),
      bargedIn: { type: 'boolean', description: 'Whether the caller spoke over the agent.' },
    },
    'One utterance of a call, the caller\'s (as transcribed) or the agent\'s.',
  ),
  CallDetail: object({ ...CALL_PROPERTIES, turns: { type: 'array', items: ref('Turn') } }, 'A call with its transcript.'),
  Booking: object(
    {
      id: { type: 'string', format: 'uuid' },
      serviceId: { type: 'string' },
      serviceName: { type: 'string' },
      value: ref('Money'),
      startsAt: dateTime('Start of the appointment.'),
      endsAt: dateTime('End of the appointment.'),
      status: { type: 'string', enum: [...BOOKING_STATUSES] },
      callerName: nullable('string'),
      callerPhone: nullable('string'),
      callId: { ...nullable('string'), format: 'uuid', description: 'The call the agent booked it in.' },
      createdAt: dateTime('When it was booked.'),
    },
    'An appointment in the client\'s calendar.',
  ),
  Message: object(
    {
      id: { type: 'string', format: 'uuid' },
      callerName: nullable('string'),
      callbackNumber: { type: 'string' },
      text: { type: 'string' },
      urgent: { type: 'boolean' },
      status: { type: 'string', enum: [...MESSAGE_STATUSES] },
      callId: { ...nullable('string'), format: 'uuid', description: 'The call the message was taken in.' },
      createdAt: dateTime('When it was taken.'),
    },
    'A message the agent took for the business.',
  ),
  CallPage: page('Call', 'A page of calls, in the order asked.'),
  BookingPage: page('Booking', 'A page of bookings, latest appointment first.'),
  MessagePage: page('Message', 'A page of messages, newest first.'),
  TurnList: object({ items: { type: 'array', items: ref('Turn') } }, 'A call\'s transcript, in order.'),
  Summary: object(
    {
      range: object({ from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date' } }, 'Local dates of the client, inclusive.'),
      timezone: { type: 'string', description: 'The client\'s IANA time zone, in which dates and hours are counted.' },
      currency: { type: 'string', pattern: '^[A-Z]{3}$' },
      calls: { type: 'integer', minimum: 0 },
      successRate: nullable('number', { minimum: 0, maximum: 1, description: 'Calls that ended with a wanted outcome over calls that ended; null when none ended.' }),
      averageDurationSeconds: nullable('number', { minimum: 0 }),
      revenue: ref('Money'),
      missedCallsRecovered: { type: 'integer', minimum: 0, description: 'After-hours and holiday calls that ended booked or with a message.' },
      outcomes: { type: 'object', propertyNames: { enum: [...CALL_OUTCOMES] }, additionalProperties: { type: 'integer', minimum: 0 } },
      perHour: { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 24, maxItems: 24, description: 'Calls per local hour of the day.' },
      perDay: {
        type: 'array',
        items: object({ date: { type: 'string', format: 'date' }, calls: { type: 'integer', minimum: 0 }, revenue: ref('Money'), successRate: nullable('number', { minimum: 0, maximum: 1 }) }),
      },
      sentiment: {
        oneOf: [{ type: 'null' }, object({ positive: { type: 'integer', minimum: 0 }, neutral: { type: 'integer', minimum: 0 }, negative: { type: 'integer', minimum: 0 } })],
      },
    },
    'The client\'s figures over a range of local dates.',
  ),
  Error: object(
    {
      error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: {
          code: { type: 'string', description: 'Stable code: `analytics.api_key_revoked`, `analytics.api_unknown_parameter`…' },
          message: { type: 'string', description: 'What went wrong, in the language of `Accept-Language`.' },
          fields: { type: 'array', items: object({ field: { type: 'string' }, reason: { type: 'string' } }) },
        },
      },
    },
    'Every error has this shape.',
  ),
};

const integerHeader = (description: string) => ({ description, schema: { type: 'integer' } });
const RATE_HEADERS = {
  'RateLimit-Limit': integerHeader('Requests this key may make per minute.'),
  'RateLimit-Remaining': integerHeader('Requests left in the current minute.'),
  'RateLimit-Reset': integerHeader('Seconds until the current window ends.'),
};
const errorResponse = (description: string, headers?: ResponseObject['headers']): ResponseObject => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref('Error') } },
});

const RESPONSES: Record<string, ResponseObject> = {
  BadRequest: errorResponse('A parameter the route does not take (named in the message), a malformed value, or a cursor this list did not give out.'),
  Unauthorized: errorResponse('No API key, an unknown or mistyped key, or a revoked key.'),
  Forbidden: errorResponse('The key lacks the scope the route needs (named in the message), or belongs to another client than this address.'),
  NotFound: errorResponse('No such call for this client (another client\'s ids are never found).'),
  TooManyRequests: errorResponse('Over the key\'s requests per minute. Wait `Retry-After` seconds.', {
    'Retry-After': integerHeader('Seconds until the key may ask again.'),
    ...RATE_HEADERS,
  }),
};

/** Words of each list parameter, keyed by its name in {@link LIST_PARAMETERS}. */
const PARAMETER_TEXT: Record<string, { description: string; example?: string | number }> = {
  from: { description: 'First local date (the client\'s time zone), inclusive.', example: '2026-11-01' },
  to: { description: 'Last local date (the client\'s time zone), inclusive.', example: '2026-11-30' },
  status: { description: 'Only these statuses, comma-separated.' },
  limit: { description: `Items per page, 1–${MAX_LIMIT}.`, example: DEFAULT_LIMIT },
  cursor: { description: 'The `nextCursor` of the previous page.' },
};

function queryParameters(spec: ParamSpec): ParameterObject[] {
  return Object.entries(spec).map(([name, rule]) => {
    const kind = typeof rule === 'string' ? rule : rule.kind;
    const schema: JsonSchema =
      kind === 'date'
        ? { type: 'string', format: 'date' }
        : kind === 'limit'
          ? { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT }
          : kind === 'list' && typeof rule !== 'string'
            ? { type: 'string', description: `Comma-separated: ${rule.values.join(', ')}.` }
            : { type: 'string' };
    const text = PARAMETER_TEXT[name] ?? { description: name };
    return { name, in: 'query', required: false, description: text.description, schema, ...(text.example !== undefined ? { example: text.example } : {}) };
  });
}

type CallFilterDoc = Omit<ParameterObject, 'name' | 'in' | 'required'>;

/** `/calls` takes the call log's filters: each one documented here (a filter the call log adds fails the build until it is). */
const CALL_FILTER_DOCS: Record<(typeof CALL_LOG_FILTERS)[number], CallFilterDoc> = {
  from: { description: `First local date (the client's time zone), inclusive. Give both ends or neither: the last 30 days by default, at most ${CALL_LOG_MAX_RANGE_DAYS} days.`, schema: { type: 'string', format: 'date' }, example: '2026-11-01' },
  to: { description: 'Last local date (the client\'s time zone), inclusive.', schema: { type: 'string', format: 'date' }, example: '2026-11-30' },
  outcome: { description: 'Only these outcomes, comma-separated.', schema: { type: 'string', description: `Comma-separated: ${CALL_OUTCOMES.join(', ')}.` }, example: 'booked,message_taken' },
  caller: { description: 'Digits of the caller\'s number, matched anywhere in it (spaces, +, -, dots and brackets are ignored).', schema: { type: 'string', pattern: '^[0-9 ().+-]{1,40}$' }, example: '5550100' },
  minDuration: { description: 'Calls at least this long, in seconds.', schema: { type: 'integer', minimum: 0, maximum: CALL_LOG_MAX_DURATION_SECONDS }, example: 30 },
  maxDuration: { description: 'Calls at most this long, in seconds.', schema: { type: 'integer', minimum: 0, maximum: CALL_LOG_MAX_DURATION_SECONDS }, example: 600 },
  q: { description: 'Words said in the call (the transcript), as plain text: no operators or patterns.', schema: { type: 'string', maxLength: CALL_LOG_MAX_TEXT_LENGTH }, example: 'cleaning' },
  sort: { description: 'Order of the list.', schema: { type: 'string', enum: ['newest', 'oldest', 'longest'], default: 'newest' }, example: 'newest' },
  cursor: { description: 'The `nextCursor` of the previous page (of the same sort).', schema: { type: 'string' } },
  limit: { description: `Items per page, 1–${CALL_LOG_MAX_LIMIT}.`, schema: { type: 'integer', minimum: 1, maximum: CALL_LOG_MAX_LIMIT, default: CALL_LOG_DEFAULT_LIMIT }, example: CALL_LOG_DEFAULT_LIMIT },
};
const CALL_PARAMETERS: ParameterObject[] = CALL_LOG_FILTERS.map((name) => ({ name, in: 'query', required: false, ...CALL_FILTER_DOCS[name] }));

const CALL_ID: ParameterObject = { name: 'id', in: 'path', required: true, description: 'The call\'s id.', schema: { type: 'string', format: 'uuid' } };
const ok = (schema: string, description: string): ResponseObject => ({ description, headers: RATE_HEADERS, content: { 'application/json': { schema: ref(schema) } } });
const errors = (...codes: ('400' | '404')[]) => ({
  ...(codes.includes('400') ? { '400': { $ref: '#/components/responses/BadRequest' } } : {}),
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Forbidden' },
  ...(codes.includes('404') ? { '404': { $ref: '#/components/responses/NotFound' } } : {}),
  '429': { $ref: '#/components/responses/TooManyRequests' },
});

function operation(id: string, scope: ApiKeyScope, tag: string, summary: string, description: string, parameters: ParameterObject[], response: ResponseObject, errorCodes: ('400' | '404')[]): { get: OperationObject } {
  return { get: { operationId: id, summary, description: `${description}\n\nNeeds the scope \`${scope}\`.`, tags: [tag], parameters, responses: { '200': response, ...errors(...errorCodes) }, 'x-scope': scope } };
}

/**
 * The client API's OpenAPI 3.1 document, written by hand as a typed object (the routes are few and their
 * words matter more than what decorators could generate). List parameters come from the same table the
 * server parses them with, so the document cannot offer a filter the server refuses. `serverUrl` is the
 * API's base on the address the document was asked on.
 */
export function openApiDocument(serverUrl: string): OpenApiDocument {
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'Tero Voice client API',
      version: '1.0.0',
      description:
        'Read your calls, transcripts, bookings, messages and figures. Make a key on the API keys page of your dashboard, give it only the scopes it needs, and send it as `Authorization: Bearer <key>`. Lists are newest first and paged by cursor; dates are your business\'s local dates; times are ISO 8601 in UTC; money is `{ amountMinor, currency }`.',
    },
    servers: [{ url: serverUrl, description: 'This dashboard\'s address' }],
    security: [{ apiKey: [] }],
    tags: [
      { name: 'calls', description: 'Calls and their transcripts.' },
      { name: 'bookings', description: 'Appointments the agent booked.' },
      { name: 'messages', description: 'Messages the agent took.' },
      { name: 'analytics', description: 'Figures over a range of dates.' },
    ],
    paths: {
      '/calls': operation('listCalls', 'calls:read', 'calls', 'List calls', 'Calls to your numbers over a range of dates (the last 30 days by default), newest first unless sorted otherwise: the calls your call log shows for the same filters. Unknown parameters are refused (400 naming them), never ignored.', CALL_PARAMETERS, ok('CallPage', 'A page of calls.'), ['400']),
      '/calls/{id}': operation('getCall', 'calls:read', 'calls', 'Get a call', 'One call with its transcript.', [CALL_ID], ok('CallDetail', 'The call and its turns.'), ['400', '404']),
      '/calls/{id}/turns': operation('listCallTurns', 'calls:read', 'calls', 'Get a call\'s transcript', 'The turns of one call, in order.', [CALL_ID], ok('TurnList', 'The turns.'), ['400', '404']),
      '/bookings': operation('listBookings', 'bookings:read', 'bookings', 'List bookings', 'Appointments, latest start first; `from` and `to` filter on the appointment\'s start.', queryParameters(LIST_PARAMETERS.bookings), ok('BookingPage', 'A page of bookings.'), ['400']),
      '/messages': operation('listMessages', 'messages:read', 'messages', 'List messages', 'Messages the agent took, newest first.', queryParameters(LIST_PARAMETERS.messages), ok('MessagePage', 'A page of messages.'), ['400']),
      '/analytics/summary': operation(
        'getSummary',
        'analytics:read',
        'analytics',
        'Get the summary',
        'Calls, success rate, duration, revenue, recovered calls, outcomes, calls per hour and per day over `from`..`to` (the last 30 days when absent; at most 400 days) — the figures of your dashboard.',
        queryParameters(SUMMARY_PARAMETERS),
        ok('Summary', 'The figures.'),
        ['400'],
      ),
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'tero_live_<8 hex>_<43 base64url>', description: `An API key made on the dashboard's API keys page. Scopes: ${API_KEY_SCOPES.join(', ')}.` },
      },
      schemas: SCHEMAS,
      responses: RESPONSES,
    },
  };
}

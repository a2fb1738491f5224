import { CALL_LOG_FILTERS, LIST_PARAMETERS } from '@tero/analytics';
import { API_KEY_SCOPES } from '@tero/db';
import { docsView, typeLabel } from './api-docs.controller';
import { SUMMARY_PARAMETERS, openApiDocument } from './openapi.document';

const doc = openApiDocument('https://bright-smile.demo.example/api/v1');
const queryNames = (path: string) => doc.paths[path]!.get.parameters.filter((p) => p.in === 'query').map((p) => p.name);

describe('the client API document', () => {
  it('documents exactly the parameters each route parses', () => {
    expect(queryNames('/calls')).toEqual([...CALL_LOG_FILTERS]);
    expect(queryNames('/bookings')).toEqual(Object.keys(LIST_PARAMETERS.bookings));
    expect(queryNames('/messages')).toEqual(Object.keys(LIST_PARAMETERS.messages));
    expect(queryNames('/analytics/summary')).toEqual(Object.keys(SUMMARY_PARAMETERS));
    expect(queryNames('/calls/{id}')).toEqual([]);
  });

  it('gives every operation a scope of the keys and every scope an operation', () => {
    const scopes = Object.values(doc.paths).map((p) => p.get['x-scope']);
    expect(new Set(scopes)).toEqual(new Set(API_KEY_SCOPES));
    for (const item of Object.values(doc.paths)) expect(item.get.description).toContain(`\`${item.get['x-scope']}\``);
  });

  it('serves the address it was asked on', () => {
    expect(doc.servers).toEqual([{ url: 'https://bright-smile.demo.example/api/v1', description: expect.any(String) }]);
  });
});

describe('the /api/docs view', () => {
  it('says a schema in a few words', () => {
    expect(typeLabel({ $ref: '#/components/schemas/Money' })).toBe('Money');
    expect(typeLabel({ type: ['string', 'null'], format: 'date-time' })).toBe('string | null (date-time)');
    expect(typeLabel({ type: 'array', items: { $ref: '#/components/schemas/Turn' } })).toBe('Turn[]');
    expect(typeLabel({ enum: ['booked', null] })).toBe('booked | null');
  });

  it('lists each operation with a curl line that fills the examples and leaves the id and the key as variables', () => {
    const view = docsView(doc);
    const calls = view.operations.find((o) => o.id === 'listCalls')!;
    expect(calls.curl).toBe('curl -H "Authorization: Bearer $TERO_API_KEY" "https://bright-smile.demo.example/api/v1/calls?from=2026-11-01&to=2026-11-30&outcome=booked%2Cmessage_taken&caller=5550100&minDuration=30&maxDuration=600&q=cleaning&sort=newest&limit=25"');
    expect(view.operations.find((o) => o.id === 'getCall')!.curl).toBe('curl -H "Authorization: Bearer $TERO_API_KEY" "https://bright-smile.demo.example/api/v1/calls/$CALL_ID"');
    expect(calls.responses.map((r) => r.status)).toEqual(['200', '400', '401', '403', '429']);
    expect(calls.responses.find((r) => r.status === '429')!.headers).toContain('Retry-After');
    expect(view.schemas.map((s) => s.name)).toEqual(Object.keys(doc.components.schemas));
  });
});

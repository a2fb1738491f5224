import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { prepareLook, renderPage } from '../pages/render';
import { apiBaseUrl } from './api-base-url';
import { type JsonSchema, type OpenApiDocument, type ParameterObject, type ResponseObject, openApiDocument } from './openapi.document';

/** A schema in a few words: `string | null`, `Call[]`, `booked, cancelled…`. */
export function typeLabel(schema: JsonSchema | undefined): string {
  if (!schema) return '';
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop()!;
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => (v === null ? 'null' : String(v))).join(' | ');
  if (Array.isArray(schema.oneOf)) return (schema.oneOf as JsonSchema[]).map((s) => (s.type === 'object' ? 'object' : typeLabel(s))).join(' | ');
  if (schema.type === 'array') return `${typeLabel(schema.items as JsonSchema)}[]`;
  const types = Array.isArray(schema.type) ? schema.type.join(' | ') : String(schema.type ?? 'any');
  return typeof schema.format === 'string' ? `${types} (${schema.format})` : types;
}

function resolveResponse(doc: OpenApiDocument, response: ResponseObject | { $ref: string }): ResponseObject {
  return '$ref' in response ? doc.components.responses[response.$ref.split('/').pop()!]! : response;
}

/** A curl line that works once `TERO_API_KEY` holds a key: examples filled in, the path's id as a variable. */
function curlOf(base: string, path: string, parameters: ParameterObject[]): string {
  const query = parameters.filter((p) => p.in === 'query' && p.example !== undefined && p.name !== 'cursor').map((p) => `${p.name}=${encodeURIComponent(String(p.example))}`);
  const url = `${base}${path.replace('{id}', '$CALL_ID')}${query.length ? `?${query.join('&')}` : ''}`;
  return `curl -H "Authorization: Bearer $TERO_API_KEY" "${url}"`;
}

/** The page's view of the document: operations with parameters, responses and a curl line, then the schemas. */
export function docsView(doc: OpenApiDocument) {
  const base = doc.servers[0]!.url;
  const operations = Object.entries(doc.paths).map(([path, item]) => {
    const op = item.get;
    return {
      id: op.operationId,
      method: 'GET',
      path: `/api/v1${path}`,
      summary: op.summary,
      paragraphs: op.description.split('\n\n'),
      scope: op['x-scope'] ?? null,
      parameters: op.parameters.map((p) => ({ name: p.name, in: p.in, required: p.required, type: typeLabel(p.schema), description: p.description, example: p.example ?? null })),
      responses: Object.entries(op.responses).map(([status, response]) => {
        const resolved = resolveResponse(doc, response);
        return { status, description: resolved.description, schema: typeLabel(resolved.content?.['application/json'].schema), headers: Object.keys(resolved.headers ?? {}).join(', ') };
      }),
      curl: curlOf(base, path, op.parameters),
    };
  });
  const schemas = Object.entries(doc.components.schemas).map(([name, schema]) => {
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const properties = Object.entries((schema.properties as Record<string, JsonSchema> | undefined) ?? {}).map(([prop, s]) => ({
      name: prop,
      type: typeLabel(s),
      required: required.has(prop),
      description: typeof s.description === 'string' ? s.description : '',
    }));
    return { name, description: typeof schema.description === 'string' ? schema.description : '', properties };
  });
  return { operations, schemas, base };
}

/**
 * `/api/docs`: the client API's reference, rendered on the server from the same OpenAPI document
 * `/api/v1/openapi.json` serves (no script, no CDN), on every brand's and client's address in its look.
 */
@Controller()
export class ApiDocsController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  @Get('/api/docs')
  async docs(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const doc = openApiDocument(apiBaseUrl(request));
    await prepareLook(this.kernel, request);
    const html = renderPage(this.kernel, request, 'api-docs', {
      title: this.kernel.i18n.t('analytics:api.docs.title', { lng: request.tero.locale }),
      info: doc.info,
      scopes: doc.components.securitySchemes.apiKey!.description,
      ...docsView(doc),
      openapiUrl: '/api/v1/openapi.json',
    });
    return reply.code(200).type('text/html; charset=utf-8').send(html);
  }
}

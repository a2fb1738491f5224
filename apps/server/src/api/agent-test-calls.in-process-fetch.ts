import type { FastifyInstance, HTTPMethods } from 'fastify';

/** Statuses whose response has no body (the Fetch `Response` refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * A `fetch` that hands a request for `origin` to this server's own Fastify instance (`inject`): the
 * request runs through the same routes, body parsers and hooks as one from the network, without the
 * server having to reach its own public address (behind a proxy, TLS or a socket it may not know).
 * The simulator of "talk to your agent" uses it to call our jambonz hooks. Other origins are refused.
 */
export function inProcessFetch(origin: string, instance: () => FastifyInstance): typeof fetch {
  const own = new URL(origin).origin;
  return (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (url.origin !== own) throw new TypeError(`${url.origin} is not this server (${own})`);
    if (init?.body !== undefined && init.body !== null && typeof init.body !== 'string') throw new TypeError('only string bodies are sent in-process');
    const sent: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => (sent[name] = value));
    const reply = await instance().inject({
      method: (init?.method ?? 'GET').toUpperCase() as HTTPMethods,
      url: `${url.pathname}${url.search}`,
      headers: sent,
      ...(typeof init?.body === 'string' ? { payload: init.body } : {}),
      remoteAddress: '127.0.0.1',
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(reply.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) headers.append(name, String(one));
    }
    return new Response(NO_BODY.has(reply.statusCode) ? null : new Uint8Array(reply.rawPayload), { status: reply.statusCode, headers });
  }) as typeof fetch;
}

import { createHmac } from 'node:crypto';

/** The validator jambonz 0.9.x runs on every application response (the package ships no types). */
const verbSpecifications = require('@jambonz/verb-specifications') as {
  validate(logger: { info(...args: unknown[]): void; debug(...args: unknown[]): void; error(...args: unknown[]): void }, verbs: unknown): void;
};
const quietLogger = { info: () => undefined, debug: () => undefined, error: () => undefined };

/**
 * The `Jambonz-Signature` header jambonz puts on a hook request: `t=<unix seconds>,v1=<hex>` with v1 the
 * HMAC-SHA256 of `"<t>.<body>"` under the account's webhook secret. Written here from the protocol,
 * independently of the server's verifier, so the simulator checks it rather than mirrors it.
 */
export function jambonzSignatureHeader(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/** Throws jambonz's own message (`dial: missing value for target`) when `verbs` is not a valid application. */
export function validateVerbs(verbs: unknown): void {
  verbSpecifications.validate(quietLogger, verbs);
}

/** What came back from a hook. */
export interface HookReply {
  status: number;
  /** The JSON body when the response was `application/json`, else null. */
  json: unknown;
  /** The first 500 characters of the body, for error messages. */
  text: string;
  elapsedMs: number;
}

/**
 * Sends hooks the way jambonz's HTTP requestor does: POST, JSON body, signed when the account has a
 * secret, a time limit, no redirects. Keeps connections alive (Node's fetch pools them per origin).
 */
export class HookClient {
  constructor(
    private readonly secret: string | null,
    private readonly timeoutMs: number,
    private readonly send: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  async post(url: string, payload: Record<string, unknown>): Promise<HookReply> {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'jambonz-simulator' };
    if (this.secret !== null) headers['jambonz-signature'] = jambonzSignatureHeader(this.secret, body, Math.floor(Date.now() / 1000));
    const started = performance.now();
    const res = await this.send(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
    const raw = await res.text();
    const elapsedMs = performance.now() - started;
    let json: unknown = null;
    if ((res.headers.get('content-type') ?? '').includes('application/json') && raw.length > 0) {
      try {
        json = JSON.parse(raw);
      } catch {
        json = null;
      }
    }
    return { status: res.status, json, text: raw.slice(0, 500), elapsedMs };
  }
}

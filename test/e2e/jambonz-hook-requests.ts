import { createHmac, randomUUID } from 'node:crypto';
import request from 'supertest';
import type { TestApp } from './create-test-app';

/** The validator jambonz 0.9.x runs on every application response (the package ships no types). */
const verbSpecifications = require('@jambonz/verb-specifications') as { validate(logger: unknown, verbs: unknown): void };
const quiet = { info: () => undefined, debug: () => undefined, warn: () => undefined, error: () => undefined };

/** Fails the test unless `body` is a jambonz application jambonz itself would accept (a non-empty first answer included). */
export function expectValidVerbs(body: unknown, options: { nonEmpty?: boolean } = {}): void {
  expect(Array.isArray(body)).toBe(true);
  if (options.nonEmpty) expect((body as unknown[]).length).toBeGreaterThan(0);
  expect(() => verbSpecifications.validate(quiet, body)).not.toThrow();
}

/** `t=<unix>,v1=<hex>` over `"<t>.<body>"`, written from the protocol (not with the server's own signer). */
export function signatureHeader(secret: string, body: string, unixSeconds = Math.floor(Date.now() / 1000)): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

/** The call info jambonz sends with every hook, for a call placed on `line`. */
export function callInfo(line: { number: string; accountSid: string }, callSid: string = randomUUID(), from = '+15557770001'): Record<string, unknown> {
  return { call_sid: callSid, direction: 'inbound', from, to: line.number, call_id: `${callSid}@sip`, account_sid: line.accountSid, application_sid: 'app-1' };
}

export interface HookOptions {
  /** The secret to sign with; `null` sends no signature. */
  secret: string | null;
  /** How old the signature is, in seconds (a redelivery, or an expired one). */
  ageSeconds?: number;
  /** A header to send as it is. */
  header?: string;
}

/** POSTs to `/hooks/jambonz/<kind>` as jambonz does: a JSON body (or raw text), signed. */
export function postHook(t: TestApp, kind: string, body: Record<string, unknown> | string, options: HookOptions) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  let req = request(t.app.getHttpServer()).post(`/hooks/jambonz/${kind}`).set('Content-Type', 'application/json').set('Host', '203.0.113.7:3000');
  const header = options.header ?? (options.secret === null ? undefined : signatureHeader(options.secret, text, Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0)));
  if (header !== undefined) req = req.set('Jambonz-Signature', header);
  return req.send(text);
}

/** A gather's result with the caller's words, as jambonz sends it to the gather's actionHook. */
export function speechResult(transcript: string, confidence = 0.92): Record<string, unknown> {
  return { reason: 'speechDetected', speech: { is_final: true, language_code: 'en-US', alternatives: [{ transcript, confidence }] } };
}

/**
 * What jambonz's `enqueue` POSTs to its waitHook: the queue's figures and the call's ids only (no
 * account, no numbers); `queue_position` is 0 at the head of the queue.
 */
export function queueWaitBody(callSid: string, queueName: string, accountSid: string, queueTime: number, position = 0, size = position + 1): Record<string, unknown> {
  return { queue_sid: `queue:${accountSid}:${queueName}`, queue_time: queueTime, queue_size: size, queue_position: position, call_sid: callSid, call_id: `${callSid}@sip` };
}

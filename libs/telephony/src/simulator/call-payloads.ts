import { randomUUID } from 'node:crypto';

/** jambonz's call states, as its status hook reports them. */
export type SimulatedCallStatus = 'trying' | 'ringing' | 'early-media' | 'in-progress' | 'completed' | 'failed' | 'busy' | 'no-answer';

/** The fixed facts of one simulated inbound call: who calls whom, on which jambonz account. */
export interface SimulatedCallIdentity {
  callSid: string;
  callId: string;
  from: string;
  to: string;
  callerName: string;
  accountSid: string;
  applicationSid: string;
  serviceProviderSid: string;
  trunkName: string;
  /** BCP-47 speech language of the application's defaults: `en-US`. */
  language: string;
  envVars?: Record<string, string>;
}

/** What changes during the call and is part of every hook's call info. */
export interface SimulatedCallState {
  status: SimulatedCallStatus;
  sipStatus: number;
  sipReason: string;
  /** Seconds, reported once the call completed. */
  duration?: number;
  /** Set by a `tag` verb; jambonz sends it (not snake-cased) with every later hook. */
  customerData?: Record<string, unknown>;
}

/** A new call's identity with fresh ids, as jambonz would assign them. */
export function newCallIdentity(input: {
  from: string;
  to: string;
  callerName?: string;
  accountSid: string;
  applicationSid?: string;
  serviceProviderSid?: string;
  trunkName?: string;
  language?: string;
  envVars?: Record<string, string>;
}): SimulatedCallIdentity {
  return {
    callSid: randomUUID(),
    callId: `${randomUUID()}@127.0.0.1`,
    from: input.from,
    to: input.to,
    callerName: input.callerName ?? '',
    accountSid: input.accountSid,
    applicationSid: input.applicationSid ?? randomUUID(),
    serviceProviderSid: input.serviceProviderSid ?? randomUUID(),
    trunkName: input.trunkName ?? 'simulator',
    language: input.language ?? 'en-US',
    envVars: input.envVars,
  };
}

/**
 * The call info jambonz puts in every hook (status hooks, action hooks), snake_case as its HTTP
 * requestor sends it. `customerData` keeps its name: jambonz exempts it from snake-casing.
 */
export function callInfoPayload(call: SimulatedCallIdentity, state: SimulatedCallState): Record<string, unknown> {
  return {
    call_sid: call.callSid,
    direction: 'inbound',
    from: call.from,
    to: call.to,
    call_id: call.callId,
    sip_status: state.sipStatus,
    sip_reason: state.sipReason,
    call_status: state.status,
    account_sid: call.accountSid,
    trace_id: call.callSid.replace(/-/g, ''),
    application_sid: call.applicationSid,
    fs_sip_address: '127.0.0.1:5070',
    originating_sip_ip: '127.0.0.1',
    originating_sip_trunk_name: call.trunkName,
    ...(state.duration !== undefined ? { duration: state.duration } : {}),
    ...(state.customerData ? { customerData: state.customerData } : {}),
  };
}

/**
 * What an `enqueue`'s waitHook receives. jambonz sends the queue's figures and the call's ids only (no
 * account, no numbers): `queue_sid` is `queue:<account sid>:<name>`, `queue_time` the whole seconds since
 * the caller joined, `queue_position` the caller's 0-based place (0: next to be taken).
 */
export function queueWaitPayload(
  call: SimulatedCallIdentity,
  state: SimulatedCallState,
  queue: { sid: string; seconds: number; position: number; size: number },
): Record<string, unknown> {
  return {
    queue_sid: queue.sid,
    queue_time: queue.seconds,
    queue_size: queue.size,
    queue_position: queue.position,
    call_sid: call.callSid,
    call_id: call.callId,
    ...(state.customerData ? { customerData: state.customerData } : {}),
  };
}

/**
 * What a `dial`'s confirmHook receives: the call info of the answered leg (outbound, its own call sid,
 * the caller's call as `parent_call_sid`, the caller's number as its caller id), with the dial's `tag`
 * as its `customerData`.
 */
export function dialedLegPayload(
  call: SimulatedCallIdentity,
  leg: { callSid: string; callId: string; to: string; customerData?: Record<string, unknown> },
): Record<string, unknown> {
  return {
    call_sid: leg.callSid,
    parent_call_sid: call.callSid,
    direction: 'outbound',
    from: call.from,
    to: leg.to,
    call_id: leg.callId,
    sip_status: 200,
    sip_reason: 'OK',
    call_status: 'in-progress',
    caller_id: call.from,
    account_sid: call.accountSid,
    trace_id: call.callSid.replace(/-/g, ''),
    application_sid: call.applicationSid,
    fs_sip_address: '127.0.0.1:5070',
    ...(leg.customerData ? { customerData: leg.customerData } : {}),
  };
}

/**
 * The body of the first hook (`call_hook`) of an inbound call: the call info, the caller's name, the
 * service provider, the application's speech defaults and environment variables, and the INVITE
 * (`sip`, which jambonz also leaves as it is).
 */
export function callHookPayload(call: SimulatedCallIdentity): Record<string, unknown> {
  const digits = (number: string) => number.replace(/^\+/, '');
  const fromHeader = `${call.callerName ? `"${call.callerName}" ` : ''}<sip:${digits(call.from)}@127.0.0.1>;tag=${call.callSid.slice(0, 8)}`;
  return {
    ...callInfoPayload(call, { status: 'trying', sipStatus: 100, sipReason: 'Trying' }),
    caller_name: call.callerName,
    service_provider_sid: call.serviceProviderSid,
    defaults: {
      synthesizer: { vendor: 'google', language: call.language, voice: `${call.language}-Standard-C` },
      recognizer: { vendor: 'google', language: call.language },
    },
    ...(call.envVars ? { env_vars: call.envVars } : {}),
    sip: {
      method: 'INVITE',
      version: '2.0',
      uri: `sip:${digits(call.to)}@127.0.0.1`,
      headers: {
        via: 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-simulator',
        'max-forwards': '70',
        from: fromHeader,
        to: `<sip:${digits(call.to)}@127.0.0.1>`,
        'call-id': call.callId,
        cseq: '1 INVITE',
        contact: `<sip:${digits(call.from)}@127.0.0.1:5060>`,
        'content-type': 'application/sdp',
        'x-originating-carrier': call.trunkName,
        'x-account-sid': call.accountSid,
        'x-application-sid': call.applicationSid,
      },
      body: 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n',
      payload: [],
    },
  };
}

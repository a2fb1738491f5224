/**
 * The jambonz REST API (open-source api-server 0.9.6, base `/v1`) as it is on the wire: snake_case,
 * MySQL booleans as `0`/`1` in answers, sids as UUIDs. Shapes follow the server's routes and its
 * database schema rather than its swagger file where the two disagree (noted on the field).
 */

/** A MySQL `BOOLEAN` column as jambonz answers it. Requests may send `true`/`false`. */
export type JambonzFlag = 0 | 1;

/** `{ url, method, username?, password? }`: a hook as a request gives it. */
export interface JambonzWebhookInput {
  url: string;
  /** `POST` unless said otherwise. */
  method?: 'GET' | 'POST';
  /** HTTP basic auth jambonz sends with the hook. */
  username?: string | null;
  password?: string | null;
  /** Given on an update: jambonz changes that webhook row instead of making a new one. */
  webhook_sid?: string;
}

/** A hook as jambonz answers it (a row of its `webhooks` table). */
export interface JambonzWebhook {
  webhook_sid: string;
  url: string;
  method: 'GET' | 'POST';
  username: string | null;
  password: string | null;
}

/** Speech defaults and options shared by an application's create and update. */
export interface JambonzApplicationSettings {
  /** Text-to-speech vendor used when a verb names none (`google`, `elevenlabs`, `cartesia`…). Default `google`. */
  speech_synthesis_vendor?: string;
  /** Default `en-US`. */
  speech_synthesis_language?: string;
  speech_synthesis_voice?: string | null;
  /** The label of the speech credential to use when the vendor has several. */
  speech_synthesis_label?: string | null;
  /** Default `google`. */
  speech_recognizer_vendor?: string;
  /** Default `en-US`. */
  speech_recognizer_language?: string;
  speech_recognizer_label?: string | null;
  use_for_fallback_speech?: boolean | JambonzFlag;
  fallback_speech_synthesis_vendor?: string | null;
  fallback_speech_synthesis_language?: string | null;
  fallback_speech_synthesis_voice?: string | null;
  fallback_speech_synthesis_label?: string | null;
  fallback_speech_recognizer_vendor?: string | null;
  fallback_speech_recognizer_language?: string | null;
  fallback_speech_recognizer_label?: string | null;
  /**
   * Values the application's `OPTIONS` schema declares. jambonz fetches that schema from the call hook's
   * URL and refuses (400) values it does not declare; it stores them encrypted and answers them decoded.
   */
  env_vars?: Record<string, unknown> | null;
  /** Records every call of the application (to the account's bucket). */
  record_all_calls?: boolean | JambonzFlag;
  /** A JSON string of verbs jambonz runs instead of calling the hook. */
  app_json?: string | null;
}

/** `POST /v1/Applications`. An account-level API key puts its own `account_sid` whatever is sent. */
export interface JambonzApplicationInput extends JambonzApplicationSettings {
  /** Unique within the account (422 otherwise). */
  name: string;
  /** Required with a service-provider key; ignored with an account key. */
  account_sid?: string;
  /** Where jambonz asks what to do with a new call. Required (jambonz answers 500 without it). */
  call_hook: JambonzWebhookInput;
  /** Where jambonz reports a call's progress. Required (jambonz answers 500 without it). */
  call_status_hook: JambonzWebhookInput;
  messaging_hook?: JambonzWebhookInput;
}

/**
 * `PUT /v1/Applications/{sid}`: the fields to change. A hook given without `webhook_sid` becomes a new
 * webhook row; jambonz answers 500 when nothing but hooks with `webhook_sid` is sent (an empty UPDATE).
 */
export interface JambonzApplicationUpdate extends JambonzApplicationSettings {
  name?: string;
  call_hook?: JambonzWebhookInput;
  call_status_hook?: JambonzWebhookInput;
  messaging_hook?: JambonzWebhookInput;
}

/** An application as `GET /v1/Applications[/{sid}]` answers it. */
export interface JambonzApplicationRecord {
  application_sid: string;
  name: string;
  /** Null for a service provider's test application. */
  account_sid: string | null;
  service_provider_sid: string | null;
  call_hook: JambonzWebhook | null;
  call_status_hook: JambonzWebhook | null;
  messaging_hook: JambonzWebhook | null;
  app_json: string | null;
  speech_synthesis_vendor: string;
  speech_synthesis_language: string;
  speech_synthesis_voice: string | null;
  speech_synthesis_label: string | null;
  speech_recognizer_vendor: string;
  speech_recognizer_language: string;
  speech_recognizer_label: string | null;
  use_for_fallback_speech: JambonzFlag | null;
  fallback_speech_synthesis_vendor: string | null;
  fallback_speech_synthesis_language: string | null;
  fallback_speech_synthesis_voice: string | null;
  fallback_speech_synthesis_label: string | null;
  fallback_speech_recognizer_vendor: string | null;
  fallback_speech_recognizer_language: string | null;
  fallback_speech_recognizer_label: string | null;
  env_vars: Record<string, unknown> | null;
  record_all_calls: JambonzFlag;
  /** ISO date-time. */
  created_at: string;
}

/**
 * `POST /v1/PhoneNumbers`. jambonz keeps the number without its leading `+` (`+15551234567` is stored
 * and answered as `15551234567`) and refuses whitespace; a number is unique per carrier (422).
 */
export interface JambonzPhoneNumberInput {
  number: string;
  /** Must exist (400 `voip_carrier not found for sid …`) and belong to the account or its service provider. */
  voip_carrier_sid?: string;
  /** jambonz does not check it belongs to the account; an unknown sid fails its foreign key (500). */
  application_sid?: string | null;
  /** Ignored with an account key (its own account is used). */
  account_sid?: string;
}

/** `PUT /v1/PhoneNumbers/{sid}`: only the application can change (400 for `number` or `voip_carrier_sid`). */
export interface JambonzPhoneNumberUpdate {
  application_sid: string | null;
}

/** A number as `GET /v1/PhoneNumbers[/{sid}]` answers it. */
export interface JambonzPhoneNumberRecord {
  phone_number_sid: string;
  /** Digits, without `+`. */
  number: string;
  voip_carrier_sid: string | null;
  account_sid: string | null;
  application_sid: string | null;
  /** Set when a service-provider key created it. */
  service_provider_sid: string | null;
}

/** A carrier (SIP trunk) as `GET /v1/VoipCarriers[/{sid}]` answers it. */
export interface JambonzVoipCarrierRecord {
  voip_carrier_sid: string;
  name: string;
  description: string | null;
  /** Null: the service provider's carrier, usable by all its accounts. */
  account_sid: string | null;
  service_provider_sid: string | null;
  /** Calls arriving from this carrier on no known number go to this application. */
  application_sid: string | null;
  e164_leading_plus: JambonzFlag;
  requires_register: JambonzFlag;
  register_username: string | null;
  register_sip_realm: string | null;
  register_password: string | null;
  tech_prefix: string | null;
  inbound_auth_username: string | null;
  inbound_auth_password: string | null;
  diversion: string | null;
  is_active: JambonzFlag;
  created_at: string;
  smpp_system_id: string | null;
  smpp_password: string | null;
  smpp_enquire_link_interval: number | null;
  smpp_inbound_system_id: string | null;
  smpp_inbound_password: string | null;
  register_from_user: string | null;
  register_from_domain: string | null;
  register_public_ip_in_contact: JambonzFlag;
  /** The last REGISTER outcome, parsed from the JSON jambonz keeps (`{}` when none). */
  register_status: { status?: string; reason?: string; cseq?: number; callId?: string } & Record<string, unknown>;
  dtmf_type: 'rfc2833' | 'tones' | 'info';
  outbound_sip_proxy: string | null;
  trunk_type: 'static_ip' | 'auth' | 'reg';
}

/** A carrier's gateway as `GET /v1/SipGateways?voip_carrier_sid=` answers it. */
export interface JambonzSipGatewayRecord {
  sip_gateway_sid: string;
  voip_carrier_sid: string;
  /** IP address or DNS name. */
  ipv4: string;
  netmask: number;
  port: number | null;
  inbound: JambonzFlag;
  outbound: JambonzFlag;
  is_active: JambonzFlag;
  send_options_ping: JambonzFlag;
  use_sips_scheme: JambonzFlag;
  pad_crypto: JambonzFlag;
  protocol: 'udp' | 'tcp' | 'tls' | 'tls/srtp' | null;
  remove_ice: JambonzFlag;
  dtls_off: JambonzFlag;
}

/** An account as `GET /v1/Accounts[/{sid}]` answers it (a row of `accounts`, with its hooks joined). */
export interface JambonzAccountRecord {
  account_sid: string;
  name: string;
  sip_realm: string | null;
  service_provider_sid: string;
  registration_hook: Omit<JambonzWebhook, 'webhook_sid'> | null;
  queue_event_hook: Omit<JambonzWebhook, 'webhook_sid'> | null;
  device_calling_application_sid: string | null;
  is_active: JambonzFlag;
  created_at: string;
  plan_type: 'trial' | 'free' | 'paid';
  /** The secret jambonz signs the account's hooks with; also `GET /Accounts/{sid}/WebhookSecret`. */
  webhook_secret: string;
  disable_cdrs: JambonzFlag;
  record_all_calls: JambonzFlag;
  record_format: string;
  enable_debug_log: JambonzFlag;
  deactivated_reason: string | null;
  [column: string]: unknown;
}

/** What the speech credentials of ElevenLabs and Cartesia share. */
interface SpeechCredentialCommon {
  /** Selects this credential from a verb's `synthesizer.label`; unique per account and vendor (422). */
  label?: string | null;
  use_for_tts?: boolean;
  use_for_stt?: boolean;
  /** Vendor options jambonz passes through (voice settings). */
  options?: string | Record<string, unknown> | null;
}

/** An ElevenLabs key: `api_key` and `model_id` are required (jambonz answers 500 without them). */
export interface JambonzElevenLabsCredentialInput extends SpeechCredentialCommon {
  vendor: 'elevenlabs';
  api_key: string;
  /** `eleven_turbo_v2_5`, `eleven_flash_v2_5`, `eleven_multilingual_v2`… */
  model_id: string;
  /** Another ElevenLabs host (`api.eu.residency.elevenlabs.io`). */
  api_uri?: string;
}

/** A Cartesia key: `model_id` is required for text to speech, `stt_model_id` for speech to text. */
export interface JambonzCartesiaCredentialInput extends SpeechCredentialCommon {
  vendor: 'cartesia';
  api_key: string;
  /** `sonic-2`, `sonic-turbo`… */
  model_id?: string;
  /** `ink-whisper`. */
  stt_model_id?: string;
}

/** `POST /v1/Accounts/{sid}/SpeechCredentials`, for the vendors we push keys for. */
export type JambonzSpeechCredentialInput = JambonzElevenLabsCredentialInput | JambonzCartesiaCredentialInput;

/**
 * `PUT /v1/Accounts/{sid}/SpeechCredentials/{sid}`. `use_for_tts` or `use_for_stt` must be given (422
 * otherwise); models and options may change with them. The API key cannot change here: jambonz keeps
 * the stored one, so a new key is a new credential (create, then delete the old one).
 */
export interface JambonzSpeechCredentialUpdate {
  use_for_tts?: boolean;
  use_for_stt?: boolean;
  model_id?: string;
  stt_model_id?: string;
  options?: string | Record<string, unknown> | null;
  api_uri?: string;
}

/** A speech credential as jambonz lists it: the API key obscured (first 6 characters, then `X`s). */
export interface JambonzSpeechCredentialRecord {
  speech_credential_sid: string;
  account_sid: string | null;
  service_provider_sid: string | null;
  vendor: string;
  label: string | null;
  use_for_tts: JambonzFlag;
  use_for_stt: JambonzFlag;
  last_used: string | null;
  last_tested: string | null;
  tts_tested_ok: JambonzFlag | null;
  stt_tested_ok: JambonzFlag | null;
  created_at: string;
  /** Obscured: `sk_abcXXXXXXXX`. Absent for a service provider's credential seen with an account key. */
  api_key?: string;
  model_id?: string | null;
  stt_model_id?: string | null;
  api_uri?: string | null;
  options?: unknown;
}

/**
 * A page of `RecentCalls` or `Alerts`, with `page` and `page_size` as numbers (jambonz echoes the query
 * strings back). jambonz's swagger names a `batch` field the server does not send.
 */
export interface JambonzPage<T> {
  /** Records matching the query, over all pages. */
  total: number;
  page: number;
  page_size: number;
  data: T[];
}

/** Time range shared by `RecentCalls` and `Alerts`: `days` wins over `start`/`end`. */
export interface JambonzTimeRangeQuery {
  /** 1-based. */
  page: number;
  /** 1–500. */
  count: number;
  /** Records from the last `days` days. */
  days?: number;
  /** Inclusive bounds, sent as ISO date-times; ignored when `days` is given. */
  start?: Date | string;
  end?: Date | string;
}

/** `GET /v1/Accounts/{sid}/RecentCalls`: newest first. */
export interface JambonzRecentCallsQuery extends JambonzTimeRangeQuery {
  direction?: 'inbound' | 'outbound';
  answered?: boolean;
  /** The carrier's name (`trunk` of a record). */
  trunk?: string;
  /** Part of the caller or called number, or an exact call sid. */
  filter?: string;
}

/**
 * A call detail record, as jambonz reads it back from its time-series store: every column present,
 * `null` when the call had none. The swagger's `sip_call_id` is `sip_callid` on the wire, and the times
 * are ISO strings, not numbers.
 */
export interface JambonzCallRecord {
  call_sid: string;
  account_sid: string;
  service_provider_sid: string | null;
  application_sid: string | null;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  answered: boolean;
  sip_callid: string | null;
  sip_parent_callid: string | null;
  sip_status: number;
  /** Seconds. */
  duration: number;
  /** When the INVITE arrived or was sent (the record's time): RFC 3339, possibly with nanoseconds. */
  attempted_at: string;
  /** Not in jambonz's time-series schema: present only where a deployment stores it. */
  answered_at?: string | null;
  terminated_at: string | null;
  /** `caller hungup`, `callee hungup`, `timeout`… */
  termination_reason: string | null;
  /** The carrier's name, or `user` for a registered device. */
  trunk: string | null;
  /** The jambonz feature server that handled the call. */
  host: string | null;
  /** The SIP peer's address. */
  remote_host: string | null;
  trace_id: string | null;
  recording_url: string | null;
  cost: number | null;
  rate: number | null;
  billed_seconds: number | null;
}

/** Alert types the jambonz feature server writes (`@jambonz/time-series` AlertType). */
export const JAMBONZ_ALERT_TYPES = [
  'webhook-failure',
  'webhook-connection-failure',
  'webhook-url-notfound',
  'webhook-auth-failure',
  'invalid-app-payload',
  'no-tts',
  'no-stt',
  'no-llm',
  'tts-failure',
  'stt-failure',
  'llm-failure',
  'no-carrier',
  'account-call-limit',
  'account-device-limit',
  'account-api-limit',
  'service-provider-call-limit',
  'service-provider-device-limit',
  'service-provider-api-limit',
  'account is inactive or suspended',
  'play-url-notfound',
  'tts-streaming-connection-failure',
  'no-krisp',
  'alert-from-application',
  'error-updating-call',
  'wallet-low-balance',
  'wallet-depleted',
  'wallet-recharge-failed',
] as const;
export type JambonzAlertType = (typeof JAMBONZ_ALERT_TYPES)[number];

/** `GET /v1/Accounts/{sid}/Alerts`: newest first. */
export interface JambonzAlertsQuery extends JambonzTimeRangeQuery {
  alert_type?: JambonzAlertType | string;
}

/** An alert as jambonz reads it back: every column present, `null` when the alert had none. */
export interface JambonzAlertRecord {
  /** RFC 3339. */
  time: string;
  account_sid: string | null;
  service_provider_sid: string | null;
  alert_type: JambonzAlertType | string;
  /** Human text: `https://… returned 500`, `text to speech request to elevenlabs (label: x) failed: …`. */
  message: string;
  detail: string | null;
  /** The call (or other object) the alert is about. */
  target_sid: string | null;
  /** The speech vendor, for speech alerts. */
  vendor: string | null;
}

/** A call queue with callers waiting, as `GET /v1/Accounts/{sid}/Queues` answers it. */
export interface JambonzQueueRecord {
  name: string;
  /** Callers waiting. */
  length: number;
}

/**
 * `POST /v1/Accounts/{sid}/Messages`: an SMS jambonz relays through the feature server to the account's
 * carrier with an outbound SMPP gateway. Only an account-level API key of that very account may send
 * (any other key: 400 `unauthorized createMessage request for account …`). jambonz passes the numbers to
 * the carrier as given; it keeps its own numbers as digits without `+`, and so do we here.
 */
export interface JambonzMessageInput {
  /** The sending number (one of the account's). Required (400 `missing from property`). */
  from: string;
  /** The destination. Required (400 `missing to property`). */
  to: string;
  /** The message; `text` or `media` is required (400). */
  text?: string;
  /** A media URL (MMS), where the carrier supports it. */
  media?: string;
  /** The name of the BYOC carrier to send through when the account has several with SMPP; the first outbound one otherwise. */
  carrier?: string;
  /** A messaging provider of the api-server's `JAMBONES_MESSAGING` (its HTTP providers); not used for SMPP carriers. */
  provider?: string;
}

/**
 * What jambonz answers a message it handed to the carrier: its `sid` (a UUID jambonz made) and the
 * carrier's answer. The api-server 0.9.6 passes on the feature server's status (200); its swagger says
 * 201 and names the second field `providerResponse`.
 */
export interface JambonzMessageSent {
  sid: string;
  /** The SMPP side's answer: the carrier's message id and the carrier's name. */
  carrierResponse?: { message_id?: string; carrier?: string } & Record<string, unknown>;
  providerResponse?: unknown;
}

/** `{ sid }`: what jambonz answers a create with (201). */
export interface JambonzCreated {
  sid: string;
}

/**
 * `@tero/telephony`: the jambonz webhooks and the call path — signature checking, routing, the call
 * session, the conversation's tools, the call record — and the jambonz simulator that drives them.
 */
export * from './barge-in';
export * from './call-directory';
export * from './call-record.writer';
export * from './call-router';
export * from './call-session.store';
export * from './call-tools';
export * from './confirmations';
export * from './caller-input';
export * from './conversation-runtime';
export * from './hook-payloads';
export * from './jambonz-accounts.service';
export * from './jambonz-hooks.service';
export * from './jambonz-signature';
export * from './jambonz-verbs';
export * from './replay-guard';
export * from './simulator';
export * from './telephony.factory';
export * from './test-calls';
export * from './jambonz-api';
export * from './numbers';
export * from './transfers';
export * from './recordings';
export * from './monitoring';
export * from './provisioning';

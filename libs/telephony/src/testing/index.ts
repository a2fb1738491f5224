/** Test helpers of `@tero/telephony`: import them from specs and e2e tests, never from runtime code. */
export * from './fake-jambonz.server';

export * from './caller-scripts';
export * from './call-payloads';
export { jambonzSignatureHeader, validateVerbs } from './hook-client';
export * from './jambonz-simulator';
export * from './simulator.error';
export * from './simulator.types';
export * from './transcript-format';

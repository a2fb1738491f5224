export * from './sequence';
export * from './email-templates';
export * from './sequence-engine';

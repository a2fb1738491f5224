export * from './test-call-marker';

export * from './agent-test-calls.service';
export * from './live-test-call';
export * from './test-call-marker';
export * from './test-call-routing';

export * from './follow-up';
export * from './queue-wait';
export * from './transfer-events';
export * from './transfer-notices';
export * from './transfer-state';
export * from './whisper-summary';

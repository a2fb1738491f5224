export * from './listen-auth';
export * from './listen-verb';
export * from './recording-retention.job';
export * from './recording.service';
export * from './recordings.factory';
export * from './wav';

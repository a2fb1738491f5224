export * from './audio-format';
export * from './audio-tools';
export * from './pcm-measures';
export * from './sample-analysis';
export * from './wav';
export * from './voice-engines';
export * from './voices-errors';
export * from './voices.service';

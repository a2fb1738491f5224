export * from './analytics';
export * from './local-range';
export * from './summary-maths';
export * from './today-cache';

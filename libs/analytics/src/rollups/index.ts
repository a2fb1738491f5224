export * from './call-rollups';
export * from './day-figures';
export * from './rollup-jobs';

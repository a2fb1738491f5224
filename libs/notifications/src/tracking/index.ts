export * from './tracking-tokens';
export * from './link-rewriter';
export * from './email-tracking.service';
export * from './email-events';

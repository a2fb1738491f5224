export * from './brand-overview.service';

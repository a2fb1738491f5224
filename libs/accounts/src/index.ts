export * from './accounts.schemas';
export * from './accounts.service';
export * from './auth.service';
export * from './password-hasher';
export * from './tenant-resolver';
export * from './validation';
export * from './demo-seed';

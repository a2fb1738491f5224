export * from './keyring';
export * from './tokens';

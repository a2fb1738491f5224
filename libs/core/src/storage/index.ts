export * from './file-storage.port';
export * from './local-disk.file-storage';

// Unit tests (`*.spec.ts` beside the code). e2e lives in test/e2e with its own config.
const { resolve } = require('node:path');
const root = __dirname;
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2023',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
module.exports = {
  rootDir: root,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^@tero/sdk$': resolve(root, 'libs/sdk/src/index.ts'),
    '^@tero/sdk/(.*)$': resolve(root, 'libs/sdk/src/$1'),
    '^@tero/core$': resolve(root, 'libs/core/src/index.ts'),
    '^@tero/db$': resolve(root, 'libs/db/src/index.ts'),
    '^@tero/accounts$': resolve(root, 'libs/accounts/src/index.ts'),
    '^@tero/notifications$': resolve(root, 'libs/notifications/src/index.ts'),
  },
  testMatch: ['<rootDir>/{apps,libs,plugins,scripts,deploy}/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // A leaked socket in one suite must not hang CI until its time limit; Jest still reports open handles.
  forceExit: true,
};

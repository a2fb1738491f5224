// Unit tests (`*.spec.ts` beside the code). e2e lives in test/e2e with its own config.
const { resolve } = require('node:path');
const root = __dirname;

/** The @tero/* aliases, read from tsconfig.json's `paths` so they are written down once. */
function aliasMapper() {
  const { paths } = JSON.parse(require('node:fs').readFileSync(resolve(root, 'tsconfig.json'), 'utf8')).compilerOptions;
  const mapper = {};
  for (const [alias, [target]] of Object.entries(paths)) {
    const escaped = alias.replace(/[.*+?^${}()|[\]\\/]/g, (c) => (c === '*' ? '(.*)' : `\\${c}`));
    mapper[`^${escaped}$`] = resolve(root, target.replace('*', '$1'));
  }
  return mapper;
}
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
  moduleNameMapper: aliasMapper(),
  testMatch: ['<rootDir>/{apps,libs,plugins,scripts,deploy}/**/*.spec.ts', '<rootDir>/test/integration/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // A leaked socket in one suite must not hang CI until its time limit; Jest still reports open handles.
  forceExit: true,
};

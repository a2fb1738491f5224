// e2e: boots the real app per test file. TEST_BACKEND=postgres-redis runs the same files on PostgreSQL + Redis.
const unit = require('./jest.config.js');
module.exports = {
  ...unit,
  testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  maxWorkers: 2,
  testTimeout: 30000,
};

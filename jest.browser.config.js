// Browser tests: the real app on a real port, driven by Debian's Chromium through playwright-core.
const unit = require('./jest.config.js');
module.exports = { ...unit, testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'], maxWorkers: 1, testTimeout: 60000 };

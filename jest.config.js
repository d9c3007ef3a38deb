/** Unit tests open no sockets; integration and e2e tests start real services (see test/helpers). */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60_000,
  setupFiles: ['<rootDir>/test/setupEnv.ts'],
  reporters: ['default', '<rootDir>/test/plainSummaryReporter.js'],
  // Integration suites start real servers; two workers keep a 2-core machine responsive.
  maxWorkers: 2,
};

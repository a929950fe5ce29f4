// One jest run over every package. The global setup starts (or reuses) the real servers;
// each test file then isolates itself with its own database and event namespace.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['<rootDir>/*/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/.local/', '/\\.next/'],
  // The client's build holds a traced copy of its package.json (.next/standalone).
  modulePathIgnorePatterns: ['<rootDir>/.local/', '<rootDir>/client/.next/'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // ESM-only package read by the manifest test (CloudNativePG's CRD field tree).
    '/node_modules/@cdk8s-kit/.+\\.js$': [
      '@swc/jest',
      { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@cdk8s-kit/)'],
  globalSetup: '<rootDir>/infra/src/testing/jest-global-setup.ts',
  globalTeardown: '<rootDir>/infra/src/testing/jest-global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 60_000,
  verbose: true,
};

// Jest runs in ESM mode (node --experimental-vm-modules, see the "test" script) because several
// dependencies (p-limit 7 among them) ship as ESM only. ts-jest transpiles each file on its own
// (isolatedModules in tsconfig.json); type checking is done once by tsc before Jest starts.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
};

// Nest 12 ships ES modules only, so jest runs in its native ESM mode
// (node --experimental-vm-modules) and swc compiles our TypeScript to ESM with decorator metadata.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

// Jest's own require() cannot load an ES module before Node 24.9, and @fastify/static (CommonJS,
// needed by Swagger UI) requires the ESM-only content-disposition: that one file is compiled to CommonJS.
const esmRequiredFromCommonJs = ['content-disposition'];
const swcToCommonJs = ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }];

export const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': swc,
    [`/node_modules/(${esmRequiredFromCommonJs.join('|')})/.+\\.js$`]: swcToCommonJs,
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmRequiredFromCommonJs.join('|')})/)`],
  // TypeScript's NodeNext imports say './x.js'; the file on disk is './x.ts'.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

export default {
  // e2e tests make hundreds of real requests; a slow CI machine must not turn that into a failure.
  testTimeout: 60000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/k6/**/*.spec.js', '<rootDir>/scripts/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.js',
    },
  ],
};

// npm run test:cluster: the Galera cluster suite, apart from the default projects (it starts three
// database nodes and app processes, kills some of them, and takes minutes rather than seconds).
import { shared } from './jest.config.js';

export default {
  ...shared,
  displayName: 'cluster',
  testMatch: ['<rootDir>/test/cluster/**/*.cluster-spec.ts'],
  globalSetup: '<rootDir>/test/cluster/global-setup.js',
  // Rounds of concurrent requests and a node that must rejoin; a busy machine must not fail them.
  testTimeout: 600000,
};

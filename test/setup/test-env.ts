import { testDatabaseName } from '../../scripts/lib/db-config.js';

/**
 * The environment every e2e test runs in: the test database of the configured server
 * (by default the private one scripts/db.sh starts), never one whose name does not say test.
 */
export function applyTestEnv(env: NodeJS.ProcessEnv = process.env): string {
  env.DB_NAME = testDatabaseName(env);
  env.LOG_LEVEL ??= 'warn';
  // Each suite makes its own accounts and keys; the development key belongs to `npm start`.
  env.DEV_CREDENTIALS = 'off';
  // Short, so that the revocation test waits a moment rather than the default 5 s.
  env.AUTH_API_KEY_CACHE_MS ??= '300';
  return env.DB_NAME;
}

import { testDatabaseName } from '../../scripts/lib/db-config.js';

/**
 * The environment every e2e test runs in: the test database of the configured server
 * (by default the private one scripts/db.sh starts), never one whose name does not say test.
 */
export function applyTestEnv(env: NodeJS.ProcessEnv = process.env): string {
  env.DB_NAME = testDatabaseName(env);
  env.LOG_LEVEL ??= 'warn';
  return env.DB_NAME;
}

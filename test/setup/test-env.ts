/**
 * The environment every e2e test runs in: the test database of the configured server
 * (by default the private one scripts/db.sh starts). Refuses a database whose name does not say test,
 * since the suite drops and recreates every table.
 */
export function applyTestEnv(env: NodeJS.ProcessEnv = process.env): string {
  env.DB_NAME = env.DB_TEST_NAME ?? 'payonce_test';
  env.LOG_LEVEL ??= 'warn';
  if (!/test/i.test(env.DB_NAME)) {
    throw new Error(`Refusing to run e2e tests against database "${env.DB_NAME}": its name must contain "test"`);
  }
  return env.DB_NAME;
}

// npm run k6:smoke: every k6 script in k6/ for a few seconds, under a real k6, against a payonce
// this script starts on a free 127.0.0.1 port on the test database, with an API key it makes.
// k6 comes from K6_BIN or PATH; without one it says so and exits 0 (k6 is not an npm package).
// Exits 1 when a script's thresholds fail (one unverified iteration is enough) or the audit finds
// a payment that happened twice. Every run is bounded: a few seconds each, killed after 3 minutes.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { startApp } from './lib/app-process.js';
import { loadDotEnv, testDatabaseName } from './lib/db-config.js';
import { freePort } from './lib/load.js';

/** Short runs: the smoke shows that each script works against the real service, not how fast it is. */
const SMOKE_ENV = {
  VUS: '2',
  ITERATIONS: '3',
  DURATION: '4s',
  RATE: '4',
  PRE_ALLOCATED_VUS: '2',
  MAX_VUS: '4',
  // Latency is not judged on a shared machine; exactly-once is.
  P95_MS: '60000',
  P99_MS: '60000',
  REQUEST_TIMEOUT: '30s',
};
const RUN_TIMEOUT_MS = 180_000;

function findK6() {
  const candidates = process.env.K6_BIN ? [process.env.K6_BIN] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'k6'));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

loadDotEnv();
const k6 = findK6();
if (!k6) {
  console.log(
    process.env.K6_BIN
      ? `k6 smoke: skipped: K6_BIN=${process.env.K6_BIN} is not an executable file`
      : 'k6 smoke: skipped: no k6 on PATH. Install k6 v1.x (https://grafana.com/docs/k6/latest/set-up/install-k6/) or set K6_BIN=/path/to/k6',
  );
  process.exit(0);
}

process.env.DB_NAME = testDatabaseName();
const scripts = readdirSync('k6').filter((name) => name.endsWith('.js') && !name.endsWith('.spec.js')).sort();
const version = execFileSync(k6, ['version'], { encoding: 'utf8' }).trim().split('\n')[0];
console.log(`k6 smoke: ${version}; ${scripts.join(', ')} against a service on database ${process.env.DB_NAME}`);

const port = await freePort();
const app = await startApp({ port, logFile: `.data/k6-smoke-app-${port}.log`, env: { DEV_CREDENTIALS: 'off' } });
const failed = [];
try {
  const apiKey = execFileSync(process.execPath, ['dist/cli/apikey.js', 'create', 'k6-smoke'], { encoding: 'utf8' }).trim().split('\n').pop();
  for (const script of scripts) {
    const env = { ...SMOKE_ENV, BASE_URL: app.url, API_KEY: apiKey };
    const args = ['run', '--quiet', '--no-usage-report', ...Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]), join('k6', script)];
    console.log(`\nk6 smoke: ${script}`);
    // The key goes to k6 as -e, never through this process's own environment that k6 would also read.
    const run = spawnSync(k6, args, { stdio: 'inherit', timeout: RUN_TIMEOUT_MS, killSignal: 'SIGTERM', env: { ...process.env, K6_NO_USAGE_REPORT: 'true' } });
    if (run.status !== 0) failed.push(`${script} (${run.error ? run.error.message : `exit ${run.status ?? run.signal}`})`);
  }
  const audit = spawnSync(process.execPath, ['scripts/audit.js'], { stdio: 'inherit' });
  if (audit.status !== 0) failed.push('the audit');
} finally {
  app.child.kill('SIGTERM');
}
console.log(failed.length === 0 ? `\nk6 smoke: ${scripts.length} scripts passed, and the audit found nothing wrong` : `\nk6 smoke: FAILED: ${failed.join(', ')}`);
process.exitCode = failed.length === 0 ? 0 : 1;

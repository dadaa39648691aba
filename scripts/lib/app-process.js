// Starting the built service (dist/main.js) as a child process on 127.0.0.1, for the bench and the k6 smoke.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';

/**
 * Node's arguments for the service, as `npm start` and the Dockerfile run it (a spec holds the three
 * alike). A 64 MB young generation and a heap allowed to grow fourfold make V8's full collections,
 * each a 50-100 ms slowdown under load, rare: why, and what they cost in memory, are in the README's
 * "Node's flags" and BENCHMARKS.md (seventh to eleventh passes). --no-memory-reducer: V8's memory
 * reducer also starts one 100 s after the last, whatever the load, and that one throws away the hot
 * paths' optimized code (eleventh pass). --expose-gc lets the service collect its heap under a light
 * load (src/runtime/), so RSS lies flat there. NODE_OPTIONS does not take all of them.
 */
export const SERVICE_ARGS = ['--min-semi-space-size=64', '--max-semi-space-size=64', '--heap-growing-percent=300', '--no-memory-reducer', '--expose-gc', 'dist/main.js'];

/** Starts one app process on `port` with its output in `logFile`, and resolves once it answers /health/live. */
export async function startApp({ port, logFile, env = {} }) {
  mkdirSync('.data', { recursive: true });
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, SERVICE_ARGS, {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', log, log],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilLive(url, logFile, child);
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
  return { url, child };
}

/** Polls GET /health/live for up to 20 s (migrations run at start-up). */
export async function waitUntilLive(url, logHint = '.data/*.log', child = undefined) {
  for (let i = 0; i < 100; i++) {
    if (child && child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/health/live`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not come up; see ${logHint}`);
}

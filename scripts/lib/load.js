// Small load-driving helpers for the bench: closed and open loops, their HTTP drivers in worker threads, percentiles.
import { createServer } from 'node:net';
import { Worker } from 'node:worker_threads';

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function percentile(sortedMs, p) {
  if (sortedMs.length === 0) return 0;
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length))];
}

export function summarize(latenciesMs) {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 };
}

/**
 * Runs `workers` loops of `step(worker)` until `warmupMs + durationMs` has passed or a step returns
 * false (ran dry); steps begun in the first `warmupMs` are not in `done`, the rate and the latencies.
 * Returns { done, errors, firstError, seconds, rate, latency, latencies }. A step that throws counts in
 * `errors` (the warm-up's too) and the loop goes on.
 */
export async function closedLoop({ workers, durationMs, step, warmupMs = 0 }) {
  const latencies = [];
  let done = 0;
  let errors = 0;
  let firstError;
  const started = performance.now() + warmupMs;
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          if ((await step(worker)) === false) return;
          if (t0 < started) continue;
          latencies.push(performance.now() - t0);
          done++;
        } catch (error) {
          errors++;
          firstError ??= error;
        }
      }
    }),
  );
  const seconds = Math.max(0, performance.now() - started) / 1000;
  return { done, errors, firstError, seconds, rate: seconds > 0 ? done / seconds : 0, latency: summarize(latencies), latencies };
}

/** An answer slower than this, in ms, is a slow one: the half-rate target is a p99 under 20 ms. */
export const SLOW_ANSWER_MS = 15;

/**
 * When slow answers came: `answers` as { at, ms, late } (sent at `at` ms into the phase, answered
 * in `ms`, sent `late` ms after its moment), grouped into bursts of slow ones (over `slowMs`) less
 * than `gapMs` apart. Returns how many bursts, the median time between their starts, and the
 * worst one (its start, its slowest answer, and how late the driver itself sent in it).
 */
export function slowBursts(answers, { slowMs = SLOW_ANSWER_MS, gapMs = 100 } = {}) {
  const bursts = [];
  for (const answer of [...answers].filter((a) => a.ms > slowMs).sort((a, b) => a.at - b.at)) {
    const last = bursts.at(-1);
    if (last && answer.at - last.end < gapMs) Object.assign(last, { end: answer.at, count: last.count + 1, worstMs: Math.max(last.worstMs, answer.ms), lateMs: Math.max(last.lateMs, answer.late) });
    else bursts.push({ at: answer.at, end: answer.at, count: 1, worstMs: answer.ms, lateMs: answer.late });
  }
  const intervals = bursts.slice(1).map((burst, i) => burst.at - bursts[i].at).sort((a, b) => a - b);
  const worst = bursts.reduce((a, b) => (b.worstMs > (a?.worstMs ?? -1) ? b : a), undefined);
  return { count: bursts.length, medianIntervalMs: intervals.length ? intervals[Math.floor(intervals.length / 2)] : undefined, worst };
}

/** The measured answers in 100-ms bins of their moments: { at, count, slow (over SLOW_ANSWER_MS), worstMs, lateMs }. */
export function timeline(answers, { binMs = 100, slowMs = SLOW_ANSWER_MS } = {}) {
  const bins = [];
  for (const answer of answers) {
    const index = Math.floor(answer.at / binMs);
    bins[index] ??= { at: index * binMs, count: 0, slow: 0, worstMs: 0, lateMs: 0 };
    const bin = bins[index];
    bin.count++;
    if (answer.ms > slowMs) bin.slow++;
    bin.worstMs = Math.max(bin.worstMs, answer.ms);
    bin.lateMs = Math.max(bin.lateMs, answer.late);
  }
  return bins.filter(Boolean);
}

/**
 * Open loop: starts `send(i)` at evenly spaced moments, `rate` per second for `durationMs`,
 * whether or not earlier ones have answered, so latency includes queueing but no bursts of the
 * driver's own making. With `warmupMs`, the same evenly spaced sends begin that much earlier and
 * those first ones are not counted (`send(i)` runs for i below rate * (warmupMs + durationMs) / 1000,
 * the first rate * warmupMs / 1000 of them unmeasured; `onMeasuring()` runs as the first measured one goes out). Returns { sent, failed, late, rate, latency, bursts }: `late` counts sends
 * that went out more than 5 ms after their moment, `bursts` is slowBursts of the measured answers.
 */
export async function openLoop({ rate, durationMs, send, warmupMs = 0, onMeasuring = undefined }) {
  const latencies = [];
  const answers = [];
  const pending = [];
  let failed = 0;
  let late = 0;
  const warmup = Math.floor((rate * warmupMs) / 1000);
  const total = Math.floor((rate * durationMs) / 1000);
  const begun = performance.now();
  let started = begun;
  const lead = [];
  for (let i = 0; i < warmup + total; i++) {
    const due = begun + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const t0 = performance.now();
    if (i < warmup) {
      lead.push(send(i).catch(() => false));
      continue;
    }
    if (i === warmup) {
      started = due;
      onMeasuring?.();
    }
    if (t0 - due > 5) late++;
    pending.push(
      send(i).then(
        (ok) => {
          if (!ok) return failed++;
          const ms = performance.now() - t0;
          latencies.push(ms);
          answers.push({ at: due - started, ms, late: t0 - due });
        },
        () => failed++,
      ),
    );
  }
  await Promise.all([...lead, ...pending]);
  const seconds = (performance.now() - started) / 1000;
  return { sent: total, failed, late, rate: latencies.length / seconds, latency: summarize(latencies), bursts: slowBursts(answers), timeline: timeline(answers) };
}

/**
 * openLoop for HTTP requests given in advance (`requests[i % length]`, { method, path, headers, body },
 * sent to `targets[i % length]`, 200 counts as done), driven from a worker thread over keep-alive
 * sockets (socketSender in raw-http.js). The driver shares the machine with what it measures: fetch,
 * then node:http, cost it several times the CPU per request, and on the main thread every pause of
 * the bench's larger heap held answers unread and let sends fall behind, then go out together. `warmupMs` as openLoop's: the
 * new thread's first requests, interpreted code on new connections, are not the steady state.
 * Resolves to openLoop's result.
 */
export function openLoopHttp({ targets, rate, durationMs, requests, warmupMs = 0, onMeasuring = undefined }) {
  return inWorker('./open-loop-worker.js', { targets, rate, durationMs, requests, warmupMs }, onMeasuring);
}

/**
 * openLoop for the raw mysql2 baseline: payonce's statements for new payment i on `orders[i]`
 * (raw-payment.js), from a worker thread over a pool of `poolSize` connections (`connection`: mysql2
 * options). What the same rate and spacing cost the database and the machine without the service.
 * Resolves to openLoop's result.
 */
export function openLoopRaw({ connection, poolSize, orders, setIsolation, rate, durationMs, warmupMs = 0, onMeasuring = undefined }) {
  return inWorker('./open-loop-raw-worker.js', { connection, poolSize, orders, setIsolation, rate, durationMs, warmupMs }, onMeasuring);
}

/**
 * closedLoopSockets (raw-http.js) in a worker thread: `connections` keep-alive sockets over `targets`,
 * each sending the next of `requests` ({ method, path, headers, body }, each once in order, or over
 * and over with `cycle`) as soon as its answer came, for `durationMs` after `warmupMs` not counted.
 * Every closed-loop HTTP phase of the bench; resolves to closedLoopSockets' result.
 */
export function closedLoopHttp({ targets, connections, durationMs, requests, cycle = false, warmupMs = 0 }) {
  return inWorker('./closed-loop-worker.js', { targets, connections, durationMs, requests, cycle, warmupMs });
}

/**
 * Runs a driver file of this folder in a worker thread with `workerData`; resolves to its result, the
 * one message it posts that is not `{ measuring: true }` (an open loop's warm-up ended: `onMeasuring()`).
 */
function inWorker(file, workerData, onMeasuring = undefined) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(file, import.meta.url), { workerData });
    worker.on('message', (message) => (message?.measuring ? onMeasuring?.() : resolve(message)));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${file} exited with code ${code} before answering`)));
  });
}

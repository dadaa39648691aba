// npm run bench [-- --smoke] [-- --processes 2] [-- --targets http://127.0.0.1:3000,http://127.0.0.1:3001] [-- --soak 600] [-- --log-level log]
//
// Drives payonce on this machine and prints what it measured, then audits the database:
//   checkout      one new payment then two retries with the same key, many users at once (API only)
//   storm         one key fired many times at once, across every app process
//   new payments  the highest rate of new payments, and the raw mysql2 baseline of the same SQL
//   half rate     latency at half of that rate
//   replays       completed keys replayed at 64 connections, beside a static route and a raw key read
//   soak          (--soak N, alone) checkouts at SOAK_RATE (60)/s for N s, the app's RSS sampled every 10 s
//   floor, peer   (not in --smoke) a bare Nest + Fastify app's GET /health/live, and @node-idempotency/nestjs
//                 around the same SQL (bench/peer, installed on first use): new payments and replays
//   ceiling       (not in --smoke) the raw baseline again, then bare Nest + Fastify around the same SQL with
//                 nothing else, and with a guard, an interceptor and a pipe that do nothing: how much of raw
//                 any Nest service of this design can reach on this machine, beside payonce's figure
// Exits 1 when the guarantee broke (an unverified checkout, a storm with two payments, an audit
// violation). Traffic goes only to 127.0.0.1; every phase is bounded in time and count.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { classifyConcurrent, classifySequence, countClasses, describeAnswer, verifyIteration } from '../k6/lib/classify.js';
import { auditFailed, auditScope, formatAudit, runAudit } from './lib/audit-checks.js';
import { createPayableOrders, quietDatabase } from './lib/bench-fixtures.js';
import { connectionOptions, dropAllTables, loadDotEnv, testDatabaseName } from './lib/db-config.js';
import { startApp, waitUntilLive } from './lib/app-process.js';
import { closedLoop, closedLoopHttp, freePort, openLoop, openLoopHttp } from './lib/load.js';
import { needsIsolationStatement, rawPayment, rawReplayRead, ROUND_TRIPS_PER_PAYMENT } from './lib/raw-payment.js';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    processes: { type: 'string' },
    targets: { type: 'string' },
    seconds: { type: 'string' },
    soak: { type: 'string' },
    // The app's LOG_LEVEL: warn (no line per request) unless told; `log` is the app's own default, a JSON line per request.
    'log-level': { type: 'string', default: 'warn' },
  },
});
const smoke = args.smoke;
const settings = {
  processes: Number(args.processes ?? (smoke ? 2 : 1)),
  seconds: Number(args.seconds ?? (smoke ? 2 : 10)),
  payConnections: smoke ? 8 : 32,
  replayConnections: smoke ? 16 : 64,
  checkoutWorkers: smoke ? 8 : 32,
  stormRounds: smoke ? 5 : 20,
  stormSize: smoke ? 10 : 25,
  amount: 9000,
  // Orders made for each closed-loop new-payment phase, per second of it: more than the fastest contender pays.
  ordersPerSecond: smoke ? 1500 : 3200,
};
const API = '/api/v1';

loadDotEnv();
// The apps the bench starts run on the test database, emptied first (emptyDatabase); services
// started elsewhere (--targets) are audited on the database they were configured with.
if (!args.targets) process.env.DB_NAME = testDatabaseName();
// multipleStatements: the raw baseline sends several statements per round trip, as the service does.
const pool = mysql.createPool({ ...connectionOptions(), multipleStatements: true, connectionLimit: settings.replayConnections + 4 });
const children = [];
const failures = [];
/** The bench's own account: every request carries its API key, every fixture belongs to it. */
const credentials = { apiKey: '', accountId: 0 };
/** payonce's own figures, which the floor and the peer are compared with. */
const figures = { payments: 0, paymentsToRaw: 0, replays: 0, live: 0 };
const report = [];

function note(line) {
  console.log(line);
  report.push(line);
}

/** API_KEY when given (services started elsewhere), or a new key of the "bench" account made with the project's CLI. */
async function obtainCredentials() {
  credentials.apiKey = process.env.API_KEY ?? execFileSync(process.execPath, ['dist/cli/apikey.js', 'create', 'bench'], { encoding: 'utf8' }).trim().split('\n').pop();
  const [[row]] = await pool.query('SELECT account_id FROM api_keys WHERE key_hash = SHA2(?, 256) AND revoked_at IS NULL', [credentials.apiKey]);
  if (!row) throw new Error('API_KEY is not an active key of the database the bench audits');
  credentials.accountId = Number(row.account_id);
}

async function startApps() {
  if (args.targets) return args.targets.split(',').map((url) => url.trim());
  const targets = [];
  for (let i = 0; i < settings.processes; i++) {
    // A port nobody holds: a server left on a fixed port by another run would answer in ours' place.
    const port = await freePort();
    // One at a time: each process runs the migrations at start-up.
    const { url, child } = await startApp({ port, logFile: `.data/bench-app-${port}.log`, env: { LOG_LEVEL: args['log-level'] } });
    children.push(child);
    targets.push(url);
  }
  return targets;
}

/** Installs bench/peer's own dependencies once, so the product's stay the product's. */
function ensurePeerInstalled() {
  if (existsSync('bench/peer/node_modules/@node-idempotency/nestjs')) return;
  console.log('installing bench/peer (the floor and the peer) with npm ci …');
  execFileSync('npm', ['ci', '--prefix', 'bench/peer', '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
}

/** Starts one of bench/peer's apps on `port` and waits until it answers. */
async function startPeerApp(kind, port, extra = {}) {
  const log = openSync(`.data/bench-${kind}-${port}.log`, 'w');
  const settingsJson = JSON.stringify({ connection: connectionOptions(), accountId: credentials.accountId, ...extra });
  const child = spawn(process.execPath, ['apps.js', kind, String(port), settingsJson], { cwd: 'bench/peer', stdio: ['ignore', log, log] });
  children.push(child);
  await waitUntilLive(`http://127.0.0.1:${port}`);
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

function stopApps() {
  for (const child of children) child.kill('SIGTERM');
}

/** One HTTP exchange as the plain answer object the k6 classification works on. */
async function call(url, method, path, body, headers = {}) {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${credentials.apiKey}`, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, body: bytes.toString('utf8'), bytes, headers: Object.fromEntries(res.headers) };
}

const payRequest = (order, key) => ({
  method: 'POST',
  path: `${API}/payments`,
  headers: { 'content-type': 'application/json', 'idempotency-key': key, authorization: `Bearer ${credentials.apiKey}` },
  body: JSON.stringify({ orderId: order.orderId, userId: order.userId }),
});

/** Users made through the API, charged enough for a whole phase. */
async function fundedUsers(targets, count, tag) {
  const users = [];
  for (let w = 0; w < count; w++) {
    const url = targets[w % targets.length];
    const user = JSON.parse((await call(url, 'POST', `${API}/users`, { name: `bench-${tag}-${w}` })).body);
    await call(url, 'POST', `${API}/users/${user.id}/balance/charge`, { amount: 1_000_000_000 });
    users.push(user);
  }
  return users;
}

/**
 * One checkout as a client does it: a new order, then one payment and two retries under one key
 * (sent to the other process when there are two: a load balancer's replay). Tallies into `tally`.
 */
async function checkoutOnce(targets, user, worker, tally) {
  const url = targets[worker % targets.length];
  const order = JSON.parse((await call(url, 'POST', `${API}/orders`, { userId: user.id, items: [{ name: '벤치 주문 🧾', unitPrice: settings.amount, quantity: 1 }] })).body);
  const key = randomUUID();
  const answers = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    answers.push(await call(targets[(worker + attempt) % targets.length], 'POST', `${API}/payments`, { orderId: order.id, userId: user.id }, { 'idempotency-key': key }));
  }
  const iteration = classifySequence(answers);
  tally.classes.push(...iteration);
  if (verifyIteration(iteration, 3).ok) tally.verified++;
  else {
    tally.failed++;
    if (tally.failed <= 3) console.error(`unverified checkout: ${answers.map(describeAnswer).join(' | ')}`);
  }
  return true;
}

async function checkoutPhase(targets) {
  const users = await fundedUsers(targets, settings.checkoutWorkers, 'checkout');
  const tally = { verified: 0, failed: 0, classes: [] };
  const result = await closedLoop({
    workers: settings.checkoutWorkers,
    durationMs: settings.seconds * 1000,
    step: (worker) => checkoutOnce(targets, users[worker], worker, tally),
  });
  const counts = countClasses(tally.classes);
  note(
    `checkout      ${result.done} iterations in ${result.seconds.toFixed(1)} s (${result.rate.toFixed(0)} checkouts/s, each 1 order + 3 payment calls), ` +
      `verified ${tally.verified}, failed ${tally.failed}; answers ${JSON.stringify(counts)}; iteration p50 ${result.latency.p50.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms`,
  );
  if (tally.failed > 0 || result.errors > 0) failures.push(`checkout: ${tally.failed} unverified iterations, ${result.errors} errors ${result.firstError ?? ''}`);
}

/** Resident memory of a process, in MB (Linux). */
function rssMb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Least-squares slope of (minute, MB) points: how fast memory grows, in MB per minute. */
function slopePerMinute(points) {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.minute, 0) / n;
  const my = points.reduce((a, p) => a + p.mb, 0) / n;
  const num = points.reduce((a, p) => a + (p.minute - mx) * (p.mb - my), 0);
  const den = points.reduce((a, p) => a + (p.minute - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** --soak N: checkouts at SOAK_RATE (60/s) for N seconds on one process, its RSS sampled every 10 s. */
async function soakPhase(targets, seconds, rate) {
  const users = await fundedUsers(targets, 64, 'soak');
  const tally = { verified: 0, failed: 0, classes: [] };
  const pid = children[0].pid;
  const samples = [{ minute: 0, mb: rssMb(pid) }];
  const started = Date.now();
  const sampler = setInterval(() => samples.push({ minute: (Date.now() - started) / 60_000, mb: rssMb(pid) }), 10_000);
  try {
    const result = await openLoop({ rate, durationMs: seconds * 1000, send: (i) => checkoutOnce(targets, users[i % users.length], 0, tally) });
    note(`soak          ${result.sent} checkouts at ${rate}/s over ${seconds} s: verified ${tally.verified}, failed ${tally.failed + result.failed}; iteration p99 ${result.latency.p99.toFixed(1)} ms`);
    if (tally.failed > 0 || result.failed > 0) failures.push(`soak: ${tally.failed + result.failed} unverified checkouts`);
  } finally {
    clearInterval(sampler);
  }
  samples.push({ minute: (Date.now() - started) / 60_000, mb: rssMb(pid) });
  // Whether the replay cache reached its bound (IDEMPOTENCY_CACHE_BYTES) during the soak: only then does flat RSS show a bound.
  const scrape = await (await fetch(`${targets[0]}/metrics`)).text();
  const gauge = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(scrape)?.[1] ?? NaN);
  note(`              replay cache at the end: ${gauge('payonce_replay_cache_entries')} entries, ${(gauge('payonce_replay_cache_bytes') / 1048576).toFixed(1)} MiB counted (IDEMPOTENCY_CACHE_BYTES=${process.env.IDEMPOTENCY_CACHE_BYTES ?? 'default 32 MiB'})`);
  const lastHalf = samples.filter((p) => p.minute >= seconds / 120);
  note(`              RSS MB by minute: ${samples.filter((_, i) => i % 6 === 0 || i === samples.length - 1).map((p) => `${p.minute.toFixed(0)}:${p.mb.toFixed(0)}`).join(' ')}`);
  note(
    `              last half: min ${Math.min(...lastHalf.map((p) => p.mb)).toFixed(0)} MB, max ${Math.max(...lastHalf.map((p) => p.mb)).toFixed(0)} MB, ` +
      `slope ${slopePerMinute(lastHalf).toFixed(2)} MB/min (flat: |slope| well under 1)`,
  );
}

async function stormPhase(targets) {
  const orders = await createPayableOrders(pool, { accountId: credentials.accountId, count: settings.stormRounds, users: settings.stormRounds, amount: settings.amount, tag: `storm-${Date.now()}` });
  let ok = 0;
  const totals = { fresh: 0, replays: 0, conflicts: 0, other: 0 };
  for (const order of orders) {
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: settings.stormSize }, (_, i) =>
        call(targets[i % targets.length], 'POST', `${API}/payments`, { orderId: order.orderId, userId: order.userId }, { 'idempotency-key': key }),
      ),
    );
    const counts = countClasses(classifyConcurrent(answers).classes);
    totals.fresh += counts.SUCCESS;
    totals.replays += counts.CACHED;
    totals.conflicts += counts.CONFLICT;
    totals.other += counts.UNEXPECTED;
    const [[{ payments }]] = await pool.query('SELECT COUNT(*) AS payments FROM payments WHERE order_id = ?', [order.orderId]);
    if (counts.SUCCESS === 1 && counts.UNEXPECTED === 0 && Number(payments) === 1) ok++;
  }
  note(`storm         ${orders.length} keys x ${settings.stormSize} concurrent requests: ${ok} paid exactly once; answers ${JSON.stringify(totals)}`);
  if (ok !== orders.length) failures.push(`storm: ${orders.length - ok} keys not paid exactly once`);
}

/**
 * The closed-loop HTTP phases, every contender driven alike: each new payment of `paid` ({ order, key })
 * once, in order, at payConnections; `completed` keys replayed over and over at replayConnections;
 * GET /health/live likewise. The driver encodes its requests before the clock starts (raw-http.js).
 */
const newPaymentRun = (targets, paid) =>
  closedLoopHttp({ targets, connections: settings.payConnections, durationMs: settings.seconds * 1000, requests: paid.map(({ order, key }) => payRequest(order, key)) });
const replayRun = (targets, completed) =>
  closedLoopHttp({ targets, connections: settings.replayConnections, durationMs: settings.seconds * 1000, requests: completed.map(({ order, key }) => payRequest(order, key)), cycle: true });
const liveRun = (targets) => closedLoopHttp({ targets, connections: settings.replayConnections, durationMs: settings.seconds * 1000, requests: [{ method: 'GET', path: '/health/live' }], cycle: true });

async function newPaymentPhases(targets) {
  const capacity = settings.ordersPerSecond * settings.seconds;
  const httpOrders = await createPayableOrders(pool, { accountId: credentials.accountId, count: capacity, users: 2000, amount: settings.amount, tag: `http-${Date.now()}` });
  const toPay = httpOrders.map((order) => ({ order, key: randomUUID() }));
  const http = await newPaymentRun(targets, toPay);
  // From here to the half-rate phase the app serves nothing (the raw baseline, then the wait for InnoDB).
  const collectionsAtIdle = await fullCollections(targets);
  const keys = toPay.slice(0, http.sent);
  figures.payments = http.rate;
  note(
    `new payments  HTTP: ${http.rate.toFixed(0)}/s at ${settings.payConnections} connections (${http.ok2xx} paid, ${http.non2xx} non-2xx, ${http.errors} errors), ` +
      `p50 ${http.latency.p50.toFixed(1)} ms, p99 ${http.latency.p99.toFixed(1)} ms`,
  );
  if (http.exhausted) note(`              (the fixture ran out: all ${httpOrders.length} orders were paid before the phase ended)`);
  if (http.non2xx > 0 || http.errors > 0) failures.push(`new payments: ${http.non2xx} non-2xx, ${http.errors} errors (${http.firstError})`);

  const raw = await rawPhase(capacity);
  note(`              raw mysql2, same SQL: ${raw.rate.toFixed(0)}/s at ${settings.payConnections} connections, p50 ${raw.latency.p50.toFixed(1)} ms, p99 ${raw.latency.p99.toFixed(1)} ms`);
  const ratio = http.rate / raw.rate;
  figures.paymentsToRaw = ratio;
  note(`              ratio HTTP / raw = ${ratio.toFixed(2)} (target >= 0.80); ${ROUND_TRIPS_PER_PAYMENT} round trips per new payment (13 before the batching)`);

  const halfRate = Math.max(1, Math.floor(http.rate / 2));
  const halfWarmupMs = 1000;
  const halfOrders = await createPayableOrders(pool, { accountId: credentials.accountId, count: halfRate * (settings.seconds + halfWarmupMs / 1000) + 100, users: 2000, amount: settings.amount, tag: `half-${Date.now()}` });
  // The two phases before wrote tens of thousands of payments: their purge and page write-back
  // would run on the same two cores during the latency phase (BENCHMARKS.md).
  // (Not in the smoke, which checks the guarantee, not the latency.)
  // Read before the wait, not just before the phase: a scrape just before it came with a burst in
  // the phase's first second in 2 of 3 traced runs, and in none of 16 without (BENCHMARKS.md, tenth pass).
  const collectionsBefore = await fullCollections(targets);
  const settled = smoke ? undefined : await quietDatabase(pool);
  // Evenly spaced arrivals: a rate-limited closed loop (autocannon's overallRate) sends from every connection at the same tick.
  // Sent from a worker thread over keep-alive connections: see openLoopHttp. The first second of
  // the same evenly spaced sends opens the connections and warms the new thread, and is not counted.
  const half = await openLoopHttp({
    targets,
    rate: halfRate,
    durationMs: settings.seconds * 1000,
    warmupMs: halfWarmupMs,
    requests: halfOrders.map((order) => payRequest(order, randomUUID())),
  });
  note(
    `half rate     ${half.rate.toFixed(0)}/s of ${halfRate}/s offered, evenly spaced (after 1 s not counted): p50 ${half.latency.p50.toFixed(1)} ms, ` +
      `p99 ${half.latency.p99.toFixed(1)} ms (target p99 < 20 ms); ${half.failed} failed, ${half.late} sent over 5 ms late; ` +
      (settled
        ? `begun after waiting ${(settled.waitedMs / 1000).toFixed(1)} s for InnoDB's history list (${settled.before.history} -> ${settled.after.history}) and dirty pages (${settled.before.dirtyPages} -> ${settled.after.dirtyPages})`
        : 'begun at once'),
  );
  const { bursts } = half;
  if (bursts.worst)
    note(
      `              answers over 15 ms came in ${bursts.count} bursts${bursts.medianIntervalMs === undefined ? '' : `, a median ${(bursts.medianIntervalMs / 1000).toFixed(2)} s apart`}; ` +
        `the worst at ${(bursts.worst.at / 1000).toFixed(1)} s: ${bursts.worst.count} answers, up to ${bursts.worst.worstMs.toFixed(0)} ms, the driver's own sends up to ${bursts.worst.lateMs.toFixed(0)} ms late`,
    );
  const collectionsAfter = await fullCollections(targets);
  // One while the app was idle may have thrown away the optimized code the phase then needs (BENCHMARKS.md, tenth pass).
  if (collectionsAtIdle && collectionsBefore && collectionsAfter)
    note(
      `              V8's full collections in the app during the wait and the phase: ${collectionsAfter.count - collectionsBefore.count}, ` +
        `${(collectionsAfter.ms - collectionsBefore.ms).toFixed(0)} ms of pauses in all; during the raw baseline before them, the app serving nothing: ${collectionsBefore.count - collectionsAtIdle.count}`,
    );
  // What the young generation and heap growth the service runs with (SERVICE_ARGS) cost in memory, after its busiest phases.
  if (children[0]) note(`              the app's RSS after the payment phases: ${rssMb(children[0].pid).toFixed(0)} MB`);
  if (half.failed > 0) failures.push(`half rate: ${half.failed} payments failed`);
  return { keys, http, raw, half };
}

/**
 * The full (mark-compact) collections the app processes have made so far, and the pauses they cost,
 * from their /metrics (prom-client's kind "major"; "incremental" counts the marking steps before
 * one). Undefined when a target does not answer.
 */
async function fullCollections(targets) {
  const total = { count: 0, ms: 0 };
  for (const url of targets) {
    const response = await fetch(`${url}/metrics`).catch(() => undefined);
    if (!response?.ok) return undefined;
    for (const [, field, value] of (await response.text()).matchAll(/^nodejs_gc_duration_seconds_(count|sum)\{kind="major"\} (\S+)$/gm)) {
      if (field === 'count') total.count += Number(value);
      else total.ms += Number(value) * 1000;
    }
  }
  return total;
}

let isolationNeeded;
/** Whether the raw baseline (and the ceilings' handler, which sends the same SQL) must name READ COMMITTED: the server's, asked once. */
function rawNeedsIsolation() {
  isolationNeeded ??= (async () => {
    const connection = await pool.getConnection();
    try {
      return await needsIsolationStatement(connection);
    } finally {
      connection.release();
    }
  })();
  return isolationNeeded;
}

/** The raw mysql2 baseline: payonce's statements for new payments on fresh orders, from this process, no HTTP. */
async function rawPhase(capacity) {
  const rawOrders = await createPayableOrders(pool, { accountId: credentials.accountId, count: capacity, users: 2000, amount: settings.amount, tag: `raw-${Date.now()}` });
  let nextRaw = 0;
  const setIsolation = await rawNeedsIsolation();
  const connections = await Promise.all(Array.from({ length: settings.payConnections }, () => pool.getConnection()));
  const raw = await closedLoop({
    workers: settings.payConnections,
    durationMs: settings.seconds * 1000,
    step: (worker) => (nextRaw < rawOrders.length ? rawPayment(connections[worker], rawOrders[nextRaw++], setIsolation) : Promise.resolve(false)),
  });
  connections.forEach((c) => c.release());
  if (raw.errors > 0) failures.push(`raw baseline: ${raw.errors} errors: ${raw.firstError}`);
  return raw;
}

async function replayPhases(targets, paid) {
  const completed = paid.slice(0, 5000);
  const replays = await replayRun(targets, completed);
  note(
    `replays       ${replays.rate.toFixed(0)}/s over ${completed.length} completed keys at ${settings.replayConnections} connections ` +
      `(${replays.non2xx} non-2xx), p50 ${replays.latency.p50.toFixed(1)} ms, p99 ${replays.latency.p99.toFixed(1)} ms (target >= 10000/s)`,
  );
  if (replays.non2xx > 0 || replays.errors > 0) failures.push(`replays: ${replays.non2xx} non-2xx, ${replays.errors} errors (${replays.firstError})`);

  const live = await liveRun(targets);
  figures.replays = replays.rate;
  figures.live = live.rate;
  note(`              static GET /health/live: ${live.rate.toFixed(0)}/s (${live.non2xx} non-2xx); replays run at ${(replays.rate / live.rate).toFixed(2)} of it`);

  let nextRead = 0;
  const connections = await Promise.all(Array.from({ length: settings.replayConnections }, () => pool.getConnection()));
  const reads = await closedLoop({
    workers: settings.replayConnections,
    durationMs: settings.seconds * 1000,
    step: (worker) => rawReplayRead(connections[worker], credentials.accountId, completed[nextRead++ % completed.length].key),
  });
  connections.forEach((c) => c.release());
  note(`              raw mysql2 read of a completed key: ${reads.rate.toFixed(0)}/s; replays run at ${(replays.rate / reads.rate).toFixed(2)} of it`);
}

/** A bare Nest + Fastify app answering GET /health/live: what any route of payonce costs at least. */
async function floorPhase() {
  const floor = await startPeerApp('floor', await freePort());
  try {
    const live = await liveRun([floor.url]);
    note(`floor         bare Nest + Fastify GET /health/live: ${live.rate.toFixed(0)}/s (${live.non2xx} non-2xx); payonce's runs at ${(figures.live / live.rate).toFixed(2)} of it (target >= 0.90)`);
  } finally {
    floor.stop();
  }
}

/** @node-idempotency/nestjs (memory store) around the same claim + payment SQL, on peer_* tables. */
async function peerPhase() {
  for (const table of ['users', 'balance_charges', 'orders', 'order_items', 'payments', 'idempotency_keys']) {
    await pool.query(`CREATE TABLE IF NOT EXISTS peer_${table} LIKE ${table}`);
  }
  const peer = await startPeerApp('peer', await freePort());
  try {
    const capacity = settings.ordersPerSecond * settings.seconds;
    const orders = await createPayableOrders(pool, { accountId: credentials.accountId, count: capacity, users: 2000, amount: settings.amount, tag: `peer-${Date.now()}`, prefix: 'peer_' });
    const toPay = orders.map((order) => ({ order, key: randomUUID() }));
    const payments = await newPaymentRun([peer.url], toPay);
    note(
      `peer          @node-idempotency/nestjs new payments: ${payments.rate.toFixed(0)}/s (${payments.non2xx} non-2xx); ` +
        `payonce runs at ${(figures.payments / payments.rate).toFixed(2)} of it (target >= 1.00)`,
    );
    const replays = await replayRun([peer.url], toPay.slice(0, Math.min(payments.sent, 5000)));
    note(`              its in-memory replays: ${replays.rate.toFixed(0)}/s (${replays.non2xx} non-2xx); payonce's durable replays run at ${(figures.replays / replays.rate).toFixed(2)} of it (target >= 1.20)`);
  } finally {
    peer.stop();
  }
}

/**
 * How much of raw a Nest service of this design can reach here at all: bare Nest + Fastify around the
 * raw statements, then the same with a global guard, a route interceptor and a global pipe that do
 * nothing. Each is compared with a raw run made just before it, as payonce's new payments were.
 */
async function ceilingPhase() {
  const setIsolation = await rawNeedsIsolation();
  const capacity = settings.ordersPerSecond * settings.seconds;
  const rates = {};
  for (const kind of ['sql', 'layers']) {
    const raw = await rawPhase(capacity);
    const app = await startPeerApp(kind, await freePort(), { setIsolation });
    try {
      const orders = await createPayableOrders(pool, { accountId: credentials.accountId, count: capacity, users: 2000, amount: settings.amount, tag: `${kind}-${Date.now()}` });
      const run = await newPaymentRun([app.url], orders.map((order) => ({ order, key: randomUUID() })));
      if (run.exhausted || run.non2xx > 0 || run.errors > 0) failures.push(`ceiling ${kind}: ${run.non2xx} non-2xx, ${run.errors} errors, ${run.sent} requests for ${orders.length} orders`);
      rates[kind] = run.rate / raw.rate;
      note(`ceiling       ${kind === 'sql' ? 'bare Nest + Fastify around the same SQL' : '  the same + a guard, an interceptor, a pipe that do nothing'}: ${run.rate.toFixed(0)}/s = ${rates[kind].toFixed(2)} of raw (${raw.rate.toFixed(0)}/s just before)`);
    } finally {
      app.stop();
    }
  }
  note(`              payonce's new payments reached ${figures.paymentsToRaw.toFixed(2)} of raw: ${(figures.paymentsToRaw / rates.layers).toFixed(2)} of the second ceiling`);
}

/**
 * Every run starts from an empty database, so runs compare: rows left by earlier runs grew the key
 * index past the buffer pool (1.4 GB against 256 MB after a day of runs), and each later run read
 * pages from disk that the first had in memory. Hence the test database (its name must say test, as
 * for the e2e suite), which the app's migrations then build anew.
 */
async function emptyDatabase() {
  if (!args.targets) await dropAllTables(pool);
}

async function main() {
  const started = Date.now();
  await emptyDatabase();
  await obtainCredentials();
  const targets = await startApps();
  if (args.soak) {
    note(`payonce soak ${new Date().toISOString()} against ${targets[0]}`);
    await soakPhase(targets, Number(args.soak), Number(process.env.SOAK_RATE ?? 60));
    return finish(started);
  }
  note(`payonce bench ${smoke ? '(smoke) ' : ''}${new Date().toISOString()} against ${targets.join(', ')}; ${settings.seconds} s per phase; LOG_LEVEL=${args.targets ? '(theirs)' : args['log-level']}`);
  await checkoutPhase(targets);
  await stormPhase(targets);
  const { keys } = await newPaymentPhases(targets);
  await replayPhases(targets, keys);
  if (smoke) note('floor, peer   not in the smoke (npm run bench measures them)');
  else {
    ensurePeerInstalled();
    await floorPhase();
    await peerPhase();
    await ceilingPhase();
  }

  return finish(started);
}

/** The audit, the time taken and the verdict: exit 1 only when exactly-once broke. */
async function finish(started) {
  const connection = await pool.getConnection();
  try {
    const results = await runAudit(connection);
    note(formatAudit(await auditScope(connection), results));
    if (auditFailed(results)) failures.push('audit found violations');
  } finally {
    connection.release();
  }
  note(`bench took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (failures.length > 0) {
    console.error(`FAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  stopApps();
  await pool.end();
}

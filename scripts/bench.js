// npm run bench [-- --smoke] [-- --processes 2] [-- --targets http://127.0.0.1:3000,http://127.0.0.1:3001] [-- --soak 600] [-- --log-level log]
//
// Drives payonce on this machine and prints what it measured, then audits the database:
//   checkout      one new payment then two retries with the same key, many users at once (API only)
//   storm         one key fired many times at once, across every app process
//   new payments  the highest rate of new payments, in turns with the raw mysql2 baseline of the same SQL and
//                 (not in --smoke) the peer, @node-idempotency/nestjs around the same SQL (bench/peer, installed
//                 on first use), and two ceilings: bare Nest + Fastify around the same SQL with nothing else, and
//                 with a guard, an interceptor and a pipe that do nothing (how much of raw any Nest service of
//                 this design reaches on this machine)
//   half rate     latency at half of payonce's rate, and (not in --smoke) raw mysql2's at that rate, its control; each
//                 with what the cores and MariaDB did while its answers were slow (scripts/lib/phase-trace.js)
//   cost          the CPU a new payment costs each process at that rate, evenly spaced, in turns: payonce's,
//                 raw mysql2's driver's, (not in --smoke) each ceiling's, and MariaDB's
//   reads         completed keys replayed at 64 connections, in turns with GET /health/live, a raw key read and
//                 (not in --smoke) the peer's replays and two floors of GET /health/live: a fresh bare Nest + Fastify
//                 app, and the bare ceiling after its new payments (the served floor, the target's); then the CPU a
//                 GET /health/live costs payonce's process and each floor's at one steady rate
//   soak          (--soak N, alone) checkouts at SOAK_RATE (60)/s for N s, the app's RSS sampled every 10 s
// In turns (scripts/lib/turns.js): every contender runs 2 s a round for 5 rounds, the order turned each
// round, so each ratio compares figures measured seconds apart on a machine whose speed drifts.
// Exits 1 when the guarantee broke (an unverified checkout, a storm with two payments, an audit
// violation). Traffic goes only to 127.0.0.1; every phase is bounded in time and count.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, openSync } from 'node:fs';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { classifyConcurrent, classifySequence, countClasses, describeAnswer, verifyIteration } from '../k6/lib/classify.js';
import { auditFailed, auditScope, formatAudit, runAudit } from './lib/audit-checks.js';
import { createPayableOrders, quietDatabase } from './lib/bench-fixtures.js';
import { connectionOptions, dropAllTables, loadDotEnv, testDatabaseName } from './lib/db-config.js';
import { startApp, waitUntilLive } from './lib/app-process.js';
import { closedLoop, closedLoopHttp, freePort, openLoop, openLoopHttp, openLoopRaw, SLOW_ANSWER_MS } from './lib/load.js';
import { summarizeTrace, tracePhase } from './lib/phase-trace.js';
import { cpuMeter, cpuMicros, median, privateServerPid, rssMb } from './lib/proc-stat.js';
import { inTurns, pooled, ratioInTurns } from './lib/turns.js';
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
  // Each contender's counted seconds: in turns (turns.js), over `rounds` rounds, each turn after turnWarmupMs not counted.
  seconds: Number(args.seconds ?? (smoke ? 2 : 10)),
  rounds: smoke ? 2 : 5,
  turnWarmupMs: smoke ? 250 : 500,
  payConnections: smoke ? 8 : 32,
  replayConnections: smoke ? 16 : 64,
  checkoutWorkers: smoke ? 8 : 32,
  stormRounds: smoke ? 5 : 20,
  stormSize: smoke ? 10 : 25,
  amount: 9000,
  // Orders made for each contender's new payments, per second of its turns: more than the fastest contender pays.
  ordersPerSecond: smoke ? 1500 : 3200,
  // The CPU a request costs each contender at one steady rate, in turns: rounds of costSliceMs after turnWarmupMs.
  costRounds: smoke ? 1 : 4,
  costSliceMs: smoke ? 500 : 1500,
};
const API = '/api/v1';

loadDotEnv();
// The apps the bench starts run on the test database, emptied first (emptyDatabase); services
// started elsewhere (--targets) are audited on the database they were configured with.
if (!args.targets) process.env.DB_NAME = testDatabaseName();
// multipleStatements: the raw baseline sends several statements per round trip, as the service does.
const pool = mysql.createPool({ ...connectionOptions(), multipleStatements: true, connectionLimit: settings.replayConnections + 4 });
const children = [];
/** The pids of the app processes this bench started (none with --targets): the ones a cost turn reads. */
const appPids = [];
const failures = [];
/** The bench's own account: every request carries its API key, every fixture belongs to it. */
const credentials = { apiKey: '', accountId: 0 };
/** The peer's app: started for the new payments, kept for its in-memory replays. */
let peerApp;
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
    appPids.push(child.pid);
    targets.push(url);
  }
  return targets;
}

/** The two ceilings (bench/peer/apps.js): bare Nest + Fastify around the raw statements, and the same with a guard, an interceptor and a pipe that do nothing. */
async function startCeilings() {
  const setIsolation = await rawNeedsIsolation();
  const ceilings = {};
  for (const kind of ['sql', 'layers']) ceilings[kind] = await startPeerApp(kind, await freePort(), { setIsolation });
  return ceilings;
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
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.kill('SIGTERM') };
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
  const pid = appPids[0];
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

/** Each contender's counted time a round: its counted seconds spread over the rounds. */
const sliceMs = () => (settings.seconds * 1000) / settings.rounds;

/** Orders for one contender's new payments over every round, warm-ups included. */
const ordersForTurns = (tag, prefix = '') =>
  createPayableOrders(pool, {
    accountId: credentials.accountId,
    count: Math.ceil((settings.ordersPerSecond * settings.rounds * (sliceMs() + settings.turnWarmupMs)) / 1000),
    users: 2000,
    amount: settings.amount,
    tag: `${tag}-${Date.now()}`,
    prefix,
  });
/** The same, each with an idempotency key of its own: what an HTTP contender pays. */
const ordersToPay = async (tag, prefix = '') => (await ordersForTurns(tag, prefix)).map((order) => ({ order, key: randomUUID() }));

/**
 * A contender paying new orders over HTTP, every one driven alike: a turn pays the next of `toPay`
 * ({ order, key }), each once, in order, at payConnections. The driver encodes its requests before
 * the clock starts (raw-http.js). `paid` grows with what the turns sent, for the replays.
 */
function httpPayer(targets, toPay) {
  const perTurn = Math.ceil((settings.ordersPerSecond * (sliceMs() + settings.turnWarmupMs)) / 1000);
  const paid = [];
  const turn = async () => {
    const batch = toPay.slice(paid.length, paid.length + perTurn);
    const slice = await closedLoopHttp({
      targets,
      connections: settings.payConnections,
      durationMs: sliceMs(),
      warmupMs: settings.turnWarmupMs,
      requests: batch.map(({ order, key }) => payRequest(order, key)),
    });
    paid.push(...batch.slice(0, slice.used));
    return slice;
  };
  return { turn, paid };
}

/** A raw mysql2 contender from this process, no HTTP: a turn runs `step(connection)` over and over on each of `workers` pooled connections. */
function rawContender(workers, step) {
  return async () => {
    const connections = await Promise.all(Array.from({ length: workers }, () => pool.getConnection()));
    try {
      return await closedLoop({ workers, durationMs: sliceMs(), warmupMs: settings.turnWarmupMs, step: (worker) => step(connections[worker]) });
    } finally {
      connections.forEach((c) => c.release());
    }
  };
}

/** The raw mysql2 baseline: payonce's statements for new payments on fresh orders, each once; a step returns false once they run out. */
function rawPayer(orders, setIsolation) {
  let next = 0;
  return rawContender(settings.payConnections, (connection) => (next < orders.length ? rawPayment(connection, orders[next++], setIsolation) : Promise.resolve(false)));
}

/** A contender sending `requests` over and over at replayConnections (replays of completed keys, GET /health/live). */
const cyclingReader = (targets, requests) => () =>
  closedLoopHttp({ targets, connections: settings.replayConnections, durationMs: sliceMs(), warmupMs: settings.turnWarmupMs, requests, cycle: true });

/** raw mysql2's read of a completed key, at replayConnections: what a durable replay costs the database. */
function rawKeyReader(completed) {
  let next = 0;
  return rawContender(settings.replayConnections, (connection) => rawReplayRead(connection, credentials.accountId, completed[next++ % completed.length].key));
}

const span = (low, high, digits = 0) => `${low.toFixed(digits)}-${high.toFixed(digits)}`;
/** "1334/s (rounds 1290-1400)": a contender's pooled rate and its slowest and fastest round. */
const rateOf = (run) => `${run.rate.toFixed(0)}/s (rounds ${span(run.low, run.high)})`;
/** "1.15 (rounds 1.02-1.31)": a ratio in turns and the spread of its rounds. */
const ratioOf = ({ ratio, low, high }) => `${ratio.toFixed(2)} (rounds ${span(low, high, 2)})`;

/** Each contender's rounds pooled into one run (turns.js). */
const pooledRuns = (slices) => Object.fromEntries(Object.entries(slices).map(([name, s]) => [name, pooled(s)]));

/** Notes a failure when an HTTP contender's answers were not all 2xx, and a note when its orders ran out. */
function expectAll2xx(name, run) {
  if (run.exhausted) note(`              (${name}'s orders ran out before its last round ended: its rate is of fewer seconds)`);
  if (run.non2xx > 0 || run.errors > 0) failures.push(`${name}: ${run.non2xx} non-2xx, ${run.errors} errors (${run.firstError})`);
}

/**
 * New payments, every contender in turns (turns.js): payonce, raw mysql2 and, in the full bench, the
 * peer and the two ceilings (bare Nest + Fastify around the raw statements, then with a guard, an
 * interceptor and a pipe that do nothing: how much of raw any Nest service of this design reaches).
 * Returns the keys each HTTP contender paid, and payonce's rate.
 */
async function newPaymentTurns(targets, ceilings) {
  const setIsolation = await rawNeedsIsolation();
  const payonce = httpPayer(targets, await ordersToPay('http'));
  const contenders = { payonce: payonce.turn, raw: rawPayer(await ordersForTurns('raw'), setIsolation) };
  let peer;
  if (!smoke) {
    for (const table of ['users', 'balance_charges', 'orders', 'order_items', 'payments', 'idempotency_keys']) {
      await pool.query(`CREATE TABLE IF NOT EXISTS peer_${table} LIKE ${table}`);
    }
    peerApp = await startPeerApp('peer', await freePort());
    peer = httpPayer([peerApp.url], await ordersToPay('peer', 'peer_'));
    contenders.peer = peer.turn;
    for (const [kind, app] of Object.entries(ceilings)) contenders[kind] = httpPayer([app.url], await ordersToPay(kind)).turn;
  }
  note(
    `new payments  ${Object.keys(contenders).join(', ')} in turns: ${settings.rounds} rounds of ${(sliceMs() / 1000).toFixed(1)} s each ` +
      `(after ${settings.turnWarmupMs} ms not counted), the order turned each round; ${settings.payConnections} connections`,
  );
  const collectionsBefore = await fullCollections(targets);
  const slices = await inTurns(contenders, settings.rounds);
  const collectionsAfter = await fullCollections(targets);
  const runs = pooledRuns(slices);
  const http = runs.payonce;
  note(`              payonce HTTP: ${rateOf(http)} (${http.ok2xx} paid, ${http.non2xx} non-2xx, ${http.errors} errors), p50 ${http.latency.p50.toFixed(1)} ms, p99 ${http.latency.p99.toFixed(1)} ms`);
  // Each one a burst of slow answers; under load they came with the memory outside V8's heap (src/main.ts).
  if (collectionsBefore && collectionsAfter) note(`              V8's full collections in the app over the turns: ${collectionsAfter.count - collectionsBefore.count}`);
  expectAll2xx('new payments', http);
  const { raw } = runs;
  note(`              raw mysql2, same SQL: ${rateOf(raw)}, p50 ${raw.latency.p50.toFixed(1)} ms, p99 ${raw.latency.p99.toFixed(1)} ms`);
  if (raw.errors > 0) failures.push(`raw baseline: ${raw.errors} errors: ${raw.firstError}`);
  const toRaw = ratioInTurns(slices.payonce, slices.raw);
  note(`              ratio HTTP / raw = ${ratioOf(toRaw)} (target >= 0.80); ${ROUND_TRIPS_PER_PAYMENT} round trips per new payment (13 before the batching)`);
  if (!smoke) {
    note(`peer          @node-idempotency/nestjs new payments: ${rateOf(runs.peer)}; payonce runs at ${ratioOf(ratioInTurns(slices.payonce, slices.peer))} of it (target >= 1.00)`);
    expectAll2xx('peer', runs.peer);
    const ofRaw = (kind) => ratioInTurns(slices[kind], slices.raw);
    note(`ceiling       bare Nest + Fastify around the same SQL: ${rateOf(runs.sql)} = ${ratioOf(ofRaw('sql'))} of raw`);
    note(`ceiling         the same + a guard, an interceptor, a pipe that do nothing: ${rateOf(runs.layers)} = ${ratioOf(ofRaw('layers'))} of raw`);
    note(`              payonce's new payments reached ${toRaw.ratio.toFixed(2)} of raw: ${ratioOf(ratioInTurns(slices.payonce, slices.layers))} of the second ceiling`);
    for (const kind of ['sql', 'layers']) expectAll2xx(`ceiling ${kind}`, runs[kind]);
  }
  return { rate: http.rate, paid: payonce.paid, peerPaid: peer?.paid };
}

/** The processes whose CPU a cost turn reads: the server's (one pid or several), MariaDB's when it is the private one, the driver's (this process). */
const costedProcesses = (server) => {
  const database = privateServerPid();
  return { ...(server === undefined ? {} : { server }), ...(database === undefined ? {} : { database }), driver: process.pid };
};

/**
 * A cost turn: `send({ rate, durationMs, warmupMs, onMeasuring }, first, count)` runs one open loop at
 * `rate` over `count` of its contender's requests from the `first`; resolves to the µs each process spent a measured
 * request (from the end of the warm-up to the result: not the driver thread's start) and what failed.
 */
function costTurn(rate, server, send) {
  const perTurn = costRequestsPerTurn(rate);
  let turns = 0;
  return async () => {
    const meter = cpuMeter(costedProcesses(server));
    const timing = { rate, durationMs: settings.costSliceMs, warmupMs: settings.turnWarmupMs, onMeasuring: () => meter.start() };
    const result = await send(timing, turns++ * perTurn, perTurn);
    return { ...meter.perRequest(result.sent), failed: result.failed };
  };
}

/** The sends of one cost turn at `rate`, its warm-up's included. */
const costRequestsPerTurn = (rate) => Math.floor((rate * (settings.costSliceMs + settings.turnWarmupMs)) / 1000);

/** Each cost turn's { name: µs } rounds reduced to medians, and the failed sends summed. */
const costMedians = (slices) =>
  Object.fromEntries(
    Object.entries(slices).map(([name, rounds]) => [
      name,
      {
        ...Object.fromEntries(['server', 'database', 'driver'].filter((field) => field in rounds[0]).map((field) => [field, median(rounds.map((round) => round[field]))])),
        failed: rounds.reduce((sum, round) => sum + round.failed, 0),
      },
    ]),
  );

/**
 * The CPU a new payment costs at one steady rate (the half-rate phase's), evenly spaced, in turns:
 * payonce's processes, each ceiling's and raw mysql2's driver, with MariaDB's and the driver's own.
 * The closed loops' ratios swing with the moment (a round of one contender against a round of
 * another, seconds apart); what a payment costs each process does not. Skipped when the app's
 * processes are not this bench's (--targets) or /proc cannot be read.
 */
async function paymentCosts(rate, targets, ceilings) {
  if (!appPids.length || cpuMicros(appPids[0]) === undefined) return;
  const setIsolation = await rawNeedsIsolation();
  const ordersEach = costRequestsPerTurn(rate) * settings.costRounds;
  const orders = (tag) => createPayableOrders(pool, { accountId: credentials.accountId, count: ordersEach, users: 2000, amount: settings.amount, tag: `${tag}-${Date.now()}` });
  const overHttp = (urls, orderList) => (timing, first, count) =>
    openLoopHttp({ targets: urls, ...timing, requests: orderList.slice(first, first + count).map((order) => payRequest(order, randomUUID())) });
  const contenders = { payonce: costTurn(rate, appPids, overHttp(targets, await orders('cost-payonce'))) };
  const rawOrders = await orders('cost-raw');
  contenders.raw = costTurn(rate, undefined, (timing, first, count) =>
    openLoopRaw({ connection: connectionOptions(), poolSize: appPoolSize(), orders: rawOrders.slice(first, first + count), setIsolation, ...timing }),
  );
  for (const [kind, app] of Object.entries(ceilings)) contenders[kind] = costTurn(rate, app.pid, overHttp([app.url], await orders(`cost-${kind}`)));
  notePaymentCosts(rate, costMedians(await inTurns(contenders, settings.costRounds)));
}

/** µs, rounded; a process whose CPU could not be read says so. */
const us = (micros) => (micros === undefined ? '(not read)' : `${micros.toFixed(0)} µs`);
/** What a request cost outside the database: the service's process (none for raw mysql2) and the driver's. */
const clientMicros = (cost) => (cost.server ?? 0) + cost.driver;

function notePaymentCosts(rate, costs) {
  const { payonce, raw, layers, sql } = costs;
  const rounds = `${settings.costRounds} round${settings.costRounds === 1 ? '' : 's'} of ${(settings.costSliceMs / 1000).toFixed(1)} s after ${settings.turnWarmupMs} ms, in turns; medians`;
  note(
    `cost          CPU a new payment at ${rate}/s, evenly spaced (${rounds}): payonce's process ${us(payonce.server)}` +
      (layers ? `, the second ceiling's ${us(layers.server)}, the bare one's ${us(sql.server)}: payonce's is ${(payonce.server / layers.server).toFixed(2)} of the second ceiling's` : ''),
  );
  // The same statements cost MariaDB the same; what differs is the side that sends them: HTTP, Nest and payonce against a mysql2 loop.
  note(
    `              outside the database (the service + its HTTP driver; raw mysql2's driver): payonce ${us(clientMicros(payonce))}, raw ${us(clientMicros(raw))}` +
      ` (raw's / payonce's = ${(clientMicros(raw) / clientMicros(payonce)).toFixed(2)})` +
      ('database' in payonce ? `; MariaDB's, its background work of the turn included: ${us(payonce.database)} and ${us(raw.database)}` : ''),
  );
  if ('database' in payonce) {
    const machine = (cost) => clientMicros(cost) + cost.database;
    note(`              all of it: payonce ${us(machine(payonce))}, raw ${us(machine(raw))} (raw's / payonce's = ${(machine(raw) / machine(payonce)).toFixed(2)}: what payments / raw would be where the CPU alone set the pace)`);
  }
  for (const [name, cost] of Object.entries(costs)) if (cost.failed > 0) failures.push(`cost of a payment, ${name}: ${cost.failed} payments failed`);
}

/** The app's connection pool size (DB_POOL_SIZE, 20 unless set): raw mysql2's open loops use a pool as large. */
const appPoolSize = () => Number(process.env.DB_POOL_SIZE ?? 20);

/** Orders for an open loop at `rate` over a phase and its warm-up, and a few to spare. */
const ordersAtRate = (rate, warmupMs, tag) =>
  createPayableOrders(pool, { accountId: credentials.accountId, count: rate * (settings.seconds + warmupMs / 1000) + 100, users: 2000, amount: settings.amount, tag: `${tag}-${Date.now()}` });

/** Latency at half of payonce's new-payment rate, arrivals evenly spaced, after the database has settled. */
async function halfRatePhase(targets, fullRate) {
  const halfRate = Math.max(1, Math.floor(fullRate / 2));
  const halfWarmupMs = 1000;
  const halfOrders = await ordersAtRate(halfRate, halfWarmupMs, 'half');
  // The phases before wrote tens of thousands of payments: their purge and page write-back
  // would run on the same two cores during the latency phase (BENCHMARKS.md).
  // (Not in the smoke, which checks the guarantee, not the latency.)
  // Read before the wait, not just before the phase: a scrape just before it came with a burst in
  // the phase's first second in 2 of 3 traced runs, and in none of 16 without (BENCHMARKS.md, tenth pass).
  const collectionsBefore = await fullCollections(targets);
  const settled = smoke ? undefined : await quietDatabase(pool);
  // Evenly spaced arrivals: a rate-limited closed loop (autocannon's overallRate) sends from every connection at the same tick.
  // Sent from a worker thread over keep-alive connections: see openLoopHttp. The first second of
  // the same evenly spaced sends opens the connections and warms the new thread, and is not counted.
  const half = await traced((onMeasuring) =>
    openLoopHttp({
      targets,
      rate: halfRate,
      durationMs: settings.seconds * 1000,
      warmupMs: halfWarmupMs,
      requests: halfOrders.map((order) => payRequest(order, randomUUID())),
      onMeasuring,
    }),
  );
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
      `              answers over ${SLOW_ANSWER_MS} ms came in ${bursts.count} bursts${bursts.medianIntervalMs === undefined ? '' : `, a median ${(bursts.medianIntervalMs / 1000).toFixed(2)} s apart`}; ` +
        `the worst at ${(bursts.worst.at / 1000).toFixed(1)} s: ${bursts.worst.count} answers, up to ${bursts.worst.worstMs.toFixed(0)} ms, the driver's own sends up to ${bursts.worst.lateMs.toFixed(0)} ms late`,
    );
  noteTrace(half.trace);
  const collectionsAfter = await fullCollections(targets);
  if (collectionsBefore && collectionsAfter)
    note(`              V8's full collections in the app during the wait and the phase: ${collectionsAfter.count - collectionsBefore.count}, ${(collectionsAfter.ms - collectionsBefore.ms).toFixed(0)} ms of pauses in all`);
  // What the young generation and heap growth the service runs with (SERVICE_ARGS) cost in memory, after its busiest phases.
  if (appPids.length) note(`              the app's RSS after the payment phases: ${rssMb(appPids[0]).toFixed(0)} MB`);
  if (half.failed > 0) failures.push(`half rate: ${half.failed} payments failed`);
  if (!smoke) await rawAtHalfRate(halfRate, halfWarmupMs);
  return halfRate;
}

/**
 * Runs an open loop, `start(onMeasuring)`, with a trace of the machine and the database (phase-trace.js)
 * over the processes a cost turn reads (costedProcesses: the driver's thread is in this one).
 * Resolves to the loop's result with `trace`, its summary.
 */
async function traced(start) {
  const tracer = tracePhase({ processes: costedProcesses(appPids), database: pool });
  const result = await start(() => tracer.mark());
  return { ...result, trace: summarizeTrace(await tracer.stop(), result.timeline) };
}

/** costedProcesses' names as a trace's lines print them. */
const TRACED_NAMES = { server: 'app', database: 'MariaDB', driver: 'driver' };

/** What the machine did while a traced phase's answers were slow, against the rest of the phase. */
function noteTrace({ slow, calm, slowAnswers, slowInFirstSecond }) {
  if (!slow.samples) return;
  const side = (s) =>
    `cores ${s.busyPct.toFixed(0)}% busy, ${s.stealPct.toFixed(0)}% stolen, ${s.iowaitPct.toFixed(0)}% in iowait; ` +
    `${Object.entries(s.cpuPct)
      .map(([name, pct]) => `${TRACED_NAMES[name]} ${pct.toFixed(0)}% (${s.waitedPct[name].toFixed(0)}%)`)
      .join(', ')} of a core (in brackets: its threads ready, waiting for one); InnoDB purged in ${s.purged} of them and flushed ${s.pagesFlushed} pages, up to ${s.threadsRunning} threads running`;
  note(`              in the ${slow.samples} 100-ms windows with an answer over ${SLOW_ANSWER_MS} ms: ${side(slow)}`);
  note(`              in the other ${calm.samples}: ${side(calm)}; ${slowInFirstSecond} of the ${slowAnswers} answers over ${SLOW_ANSWER_MS} ms in the first second`);
}

/**
 * The control for the half-rate phase: raw mysql2 sending the same statements at the same rate and
 * spacing, after the same wait, from a pool the size of the app's. A tail that raw has too is the
 * database's and the machine's; what payonce adds to it is the service's. It runs after payonce's
 * phase, not in turns with it: in turns, each turn's first seconds had bursts of their own
 * (BENCHMARKS.md, eleventh pass).
 */
async function rawAtHalfRate(rate, warmupMs) {
  const orders = await ordersAtRate(rate, warmupMs, 'half-raw');
  await quietDatabase(pool);
  const poolSize = appPoolSize();
  const setIsolation = await rawNeedsIsolation();
  const raw = await traced((onMeasuring) => openLoopRaw({ connection: connectionOptions(), poolSize, orders, setIsolation, rate, durationMs: settings.seconds * 1000, warmupMs, onMeasuring }));
  const { worst } = raw.bursts;
  note(
    `              raw mysql2 at the same rate and spacing (the same SQL, a pool of ${poolSize} as the app's): p50 ${raw.latency.p50.toFixed(1)} ms, p99 ${raw.latency.p99.toFixed(1)} ms; ` +
      `${raw.failed} failed, ${raw.late} sent over 5 ms late` +
      (worst ? `; its worst burst at ${(worst.at / 1000).toFixed(1)} s: ${worst.count} answers over ${SLOW_ANSWER_MS} ms, up to ${worst.worstMs.toFixed(0)} ms` : ''),
  );
  noteTrace(raw.trace);
  if (raw.failed > 0) failures.push(`raw at half rate: ${raw.failed} payments failed`);
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

/**
 * Reads, in turns as the new payments were: payonce's replays of completed keys, its GET /health/live,
 * raw mysql2's read of a completed key and, in the full bench, the peer's in-memory replays and two
 * floors of GET /health/live (what every route of payonce pays at least): a bare Nest + Fastify app
 * that has served nothing else, and the same route on the bare ceiling (`servedFloor`), which has
 * served its new payments as payonce has served its own; the target is against the served one, as a
 * process's cost rises with what it has served, whoever's it is (BENCHMARKS.md, eighteenth pass).
 */
async function readTurns(targets, paid, peerPaid, servedFloor) {
  const completed = paid.slice(0, 5000);
  const replayRequests = (keys) => keys.map(({ order, key }) => payRequest(order, key));
  const live = [{ method: 'GET', path: '/health/live' }];
  const contenders = { replays: cyclingReader(targets, replayRequests(completed)), live: cyclingReader(targets, live), keyRead: rawKeyReader(completed) };
  let floor;
  if (!smoke) {
    floor = await startPeerApp('floor', await freePort());
    contenders.peerReplays = cyclingReader([peerApp.url], replayRequests(peerPaid.slice(0, 5000)));
    contenders.floor = cyclingReader([floor.url], live);
    contenders.servedFloor = cyclingReader([servedFloor.url], live);
  }
  note(`reads         ${Object.keys(contenders).join(', ')} in turns as the new payments were; ${settings.replayConnections} connections`);
  let slices;
  let costs;
  try {
    slices = await inTurns(contenders, settings.rounds);
    costs = await liveCosts(Math.max(100, Math.round((pooled(slices.live).rate * 0.3) / 100) * 100), targets, { floor, servedFloor });
  } finally {
    floor?.stop();
    peerApp?.stop();
  }
  const runs = pooledRuns(slices);
  const { replays } = runs;
  note(
    `replays       ${rateOf(replays)} over ${completed.length} completed keys (${replays.non2xx} non-2xx), ` +
      `p50 ${replays.latency.p50.toFixed(1)} ms, p99 ${replays.latency.p99.toFixed(1)} ms (target >= 10000/s)`,
  );
  expectAll2xx('replays', replays);
  note(`              static GET /health/live: ${rateOf(runs.live)} (${runs.live.non2xx} non-2xx); replays run at ${ratioOf(ratioInTurns(slices.replays, slices.live))} of it`);
  note(`              raw mysql2 read of a completed key: ${rateOf(runs.keyRead)}; replays run at ${ratioOf(ratioInTurns(slices.replays, slices.keyRead))} of it`);
  if (!smoke) {
    note(`peer          its in-memory replays: ${rateOf(runs.peerReplays)} (${runs.peerReplays.non2xx} non-2xx); payonce's durable replays run at ${ratioOf(ratioInTurns(slices.replays, slices.peerReplays))} of it (target >= 1.20)`);
    note(`floor         bare Nest + Fastify GET /health/live, a process that served nothing else: ${rateOf(runs.floor)} (${runs.floor.non2xx} non-2xx); payonce's runs at ${ratioOf(ratioInTurns(slices.live, slices.floor))} of it`);
    note(`              the same on the bare ceiling, after its new payments: ${rateOf(runs.servedFloor)} (${runs.servedFloor.non2xx} non-2xx); payonce's runs at ${ratioOf(ratioInTurns(slices.live, slices.servedFloor))} of it (target >= 0.90)`);
    for (const name of ['floor', 'servedFloor']) expectAll2xx(name, runs[name]);
  }
  if (costs) noteLiveCosts(costs);
}

/** The CPU a GET /health/live costs payonce's processes and each floor's at one steady rate, in turns (see paymentCosts). */
async function liveCosts(rate, targets, floors) {
  if (!appPids.length || cpuMicros(appPids[0]) === undefined) return undefined;
  const live = [{ method: 'GET', path: '/health/live' }];
  const overHttp = (urls) => (timing) => openLoopHttp({ targets: urls, ...timing, requests: live });
  const contenders = { live: costTurn(rate, appPids, overHttp(targets)) };
  for (const [name, app] of Object.entries(floors)) if (app) contenders[name] = costTurn(rate, app.pid, overHttp([app.url]));
  return { rate, costs: costMedians(await inTurns(contenders, settings.costRounds)) };
}

function noteLiveCosts({ rate, costs: { live, floor, servedFloor } }) {
  const against = (name, cost) => (cost ? `, ${name}'s ${us(cost.server)} (payonce's is ${(live.server / cost.server).toFixed(2)} of it)` : '');
  note(
    `cost          CPU a GET /health/live at ${rate}/s, evenly spaced (medians of ${settings.costRounds} turn${settings.costRounds === 1 ? '' : 's'}): payonce's process ${us(live.server)}` +
      against('the fresh floor', floor) +
      against('the served floor', servedFloor),
  );
  for (const [name, cost] of Object.entries({ live, floor, servedFloor })) if (cost?.failed > 0) failures.push(`cost of /health/live, ${name}: ${cost.failed} requests failed`);
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
  note(`payonce bench ${smoke ? '(smoke) ' : ''}${new Date().toISOString()} against ${targets.join(', ')}; ${settings.seconds} s per phase and contender; LOG_LEVEL=${args.targets ? '(theirs)' : args['log-level']}`);
  await checkoutPhase(targets);
  await stormPhase(targets);
  if (smoke) note('peer, floor   not in the smoke (npm run bench measures them beside payonce)');
  else ensurePeerInstalled();
  const ceilings = smoke ? {} : await startCeilings();
  try {
    const { paid, peerPaid } = await paymentPhases(targets, ceilings);
    // The bare ceiling has now served its new payments as payonce has served its own: the served floor.
    await readTurns(targets, paid, peerPaid, ceilings.sql);
  } finally {
    Object.values(ceilings).forEach((app) => app.stop());
  }

  return finish(started);
}

/** New payments in turns, latency at half their rate, then what a payment costs each process: the ceilings serve all three. */
async function paymentPhases(targets, ceilings) {
  const { rate, paid, peerPaid } = await newPaymentTurns(targets, ceilings);
  const halfRate = await halfRatePhase(targets, rate);
  // After the latency phase, not before it: at a steady rate the purge finishes, the wait before the
  // latency phase then finds nothing to wait on, and the page write-back left behind runs in the phase.
  await paymentCosts(halfRate, targets, ceilings);
  return { paid, peerPaid };
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

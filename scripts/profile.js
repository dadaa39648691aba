// node scripts/profile.js <live|replay|pay> [LOG_LEVEL] [seconds]  (run from the worktree root), on the test database
//   NOPROF=1: no CPU profile, the rate and CPU per request only; APP_MAIN: another build (a copy of dist/
//   under the project, for A/B runs); APP_NODE_FLAGS: node flags for the app; RATE: pay at that rate.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { createPayableOrders } from './lib/bench-fixtures.js';
import { connectionOptions, loadDotEnv, testDatabaseName } from './lib/db-config.js';
import { SERVICE_ARGS, waitUntilLive } from './lib/app-process.js';
import { cpuTimes, privateServerPid } from './lib/proc-stat.js';
import { closedLoopHttp, freePort, openLoopHttp } from './lib/load.js';

const [workload = 'live', logLevel = 'warn', seconds = '8'] = process.argv.slice(2);
const durationMs = Number(seconds) * 1000;
loadDotEnv();
// The bench's database, emptied by every bench run: the development one grows with every profile.
process.env.DB_NAME = testDatabaseName();
const pool = mysql.createPool({ ...connectionOptions(), connectionLimit: 8 });
const apiKey = execFileSync(process.execPath, ['dist/cli/apikey.js', 'create', 'bench'], { encoding: 'utf8' }).trim().split('\n').pop();
const [[row]] = await pool.query('SELECT account_id FROM api_keys WHERE key_hash = SHA2(?, 256)', [apiKey]);
const accountId = Number(row.account_id);
const port = await freePort();
const dir = `.data/prof/${workload}-${logLevel}-${Date.now()}`;
const prof = process.env.NOPROF ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
const child = spawn(process.execPath, [...(process.env.APP_NODE_FLAGS ?? '').split(' ').filter(Boolean), ...prof, ...SERVICE_ARGS.slice(0, -1), process.env.APP_MAIN ?? SERVICE_ARGS.at(-1)], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: logLevel }, stdio: ['ignore', 'ignore', 'inherit'] });
const url = `http://127.0.0.1:${port}`;
await waitUntilLive(url);
const headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
const payReq = (o, key) => ({ method: 'POST', path: '/api/v1/payments', headers: { ...headers, 'idempotency-key': key }, body: JSON.stringify({ orderId: o.orderId, userId: o.userId }) });
const databasePid = privateServerPid();
const cpuNow = () => ({ app: cpuTimes(child.pid), database: databasePid && cpuTimes(databasePid), driver: cpuTimes(process.pid) });
/** The load run, with the CPU each process spent during it (the fixtures made before are not in it). */
const measured = async (run) => {
  const before = cpuNow();
  const outcome = await run();
  return { ...outcome, before, after: cpuNow() };
};
let result;
if (workload === 'live') {
  result = await measured(() => closedLoopHttp({ targets: [url], connections: 64, durationMs, requests: [{ method: 'GET', path: '/health/live' }], cycle: true }));
} else if (workload === 'replay') {
  const orders = await createPayableOrders(pool, { accountId, count: 200, users: 50, amount: 100, tag: `prof-${Date.now()}` });
  const keys = [];
  for (const o of orders) { const k = randomUUID(); const r = payReq(o, k); await fetch(url + r.path, { method: 'POST', headers: r.headers, body: r.body }); keys.push([o, k]); }
  result = await measured(() => closedLoopHttp({ targets: [url], connections: 64, durationMs, requests: keys.map(([o, k]) => payReq(o, k)), cycle: true }));
} else {
  const orders = await createPayableOrders(pool, { accountId, count: 2000 * Number(seconds), users: 2000, amount: 100, tag: `prof-${Date.now()}` });
  const overallRate = process.env.RATE ? Number(process.env.RATE) : undefined;
  const requests = orders.map((o) => payReq(o, randomUUID()));
  // At a given rate, evenly spaced (openLoopHttp); otherwise as fast as 32 connections go, as the bench drives it.
  result = await measured(async () => {
    if (!overallRate) return closedLoopHttp({ targets: [url], connections: 32, durationMs, requests });
    const run = await openLoopHttp({ targets: [url], rate: overallRate, durationMs, requests });
    return { ...run, requests: run.sent, non2xx: run.failed, errors: 0 };
  });
}
const perRequest = (name) => {
  const [a, b] = [result.before[name], result.after[name]];
  return a && b ? `${name} ${((b.user - a.user) / result.requests).toFixed(0)}+${((b.system - a.system) / result.requests).toFixed(0)} us` : `${name} ?`;
};
console.log(`${workload} LOG_LEVEL=${logLevel}: ${result.rate.toFixed(0)}/s non2xx ${result.non2xx} errors ${result.errors} p99 ${result.latency.p99.toFixed(1)} ms; CPU a request (user+sys): ${['app', 'database', 'driver'].map(perRequest).join(', ')}`);
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await pool.end();
if (process.env.NOPROF) process.exit(0);
const file = `${dir}/${readdirSync(dir)[0]}`;
const p = JSON.parse(readFileSync(file, 'utf8'));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const total = [...dt.values()].reduce((a, b) => a + b, 0);
const groupOf = (cf) => {
  const u = cf.url || '';
  if (!u) return `(${cf.functionName || 'native'})`;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (m) return m[1];
  if (u.includes('/dist/')) return 'app:' + u.split('/dist/')[1];
  if (u.startsWith('node:')) return u;
  return u;
};
const groups = new Map(); const funcs = new Map();
for (const [id, t] of dt) {
  const n = byId.get(id); const cf = n.callFrame;
  const g = groupOf(cf); groups.set(g, (groups.get(g) ?? 0) + t);
  const f = `${cf.functionName || '(anon)'} ${groupOf(cf)}:${cf.lineNumber}`; funcs.set(f, (funcs.get(f) ?? 0) + t);
}
// groupOf names V8's idle node "((idle))"; a function key starts "(idle) ".
const isIdle = (g) => g === '((idle))' || g.startsWith('(idle) ');
const idle = [...groups].filter(([g]) => isIdle(g)).reduce((a, [, t]) => a + t, 0);
console.log(`profile ${file}: busy ${((total - idle) / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s; per request ${((total - idle) / result.requests).toFixed(1)} us`);
const show = (m, n) => [...m].filter(([g]) => !isIdle(g)).sort((a, b) => b[1] - a[1]).slice(0, n).forEach(([g, t]) => console.log(`  ${(100 * t / (total - idle)).toFixed(1).padStart(5)}%  ${g}`));
console.log('by file/package:'); show(groups, 30);
console.log('by function:'); show(funcs, 40);

import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import mysql from 'mysql2/promise';
import { createPayableOrders } from './scripts/lib/bench-fixtures.js';
import { connectionOptions, loadDotEnv } from './scripts/lib/db-config.js';
import { waitUntilLive } from './scripts/lib/app-process.js';
import { freePort } from './scripts/lib/load.js';
loadDotEnv();
const rate = Number(process.argv[2] ?? 750);
const pool = mysql.createPool({ ...connectionOptions(), connectionLimit: 8 });
const apiKey = execFileSync(process.execPath, ['dist/cli/apikey.js', 'create', 'bench'], { encoding: 'utf8' }).trim().split('\n').pop();
const [[row]] = await pool.query('SELECT account_id FROM api_keys WHERE key_hash = SHA2(?, 256)', [apiKey]);
const port = await freePort();
const child = spawn(process.execPath, ['dist/main.js'], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] });
await waitUntilLive(`http://127.0.0.1:${port}`);
const orders = await createPayableOrders(pool, { accountId: Number(row.account_id), count: rate * 12, users: 2000, amount: 100, tag: `tail-${Date.now()}` });
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
const send = (o) => new Promise((resolve) => {
  const body = JSON.stringify({ orderId: o.orderId, userId: o.userId });
  const req = http.request({ agent, host: '127.0.0.1', port, method: 'POST', path: '/api/v1/payments', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'idempotency-key': randomUUID(), 'content-length': Buffer.byteLength(body) } }, (res) => { res.on('data', () => {}); res.on('end', () => resolve(res.statusCode)); });
  req.end(body);
});
const begun = performance.now(); const events = []; const pending = [];
const n = rate * 11;
for (let i = 0; i < n; i++) {
  const due = begun + (i * 1000) / rate; const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  const t0 = performance.now();
  pending.push(send(orders[i]).then(() => events.push([t0 - begun, performance.now() - t0, t0 - due])));
}
await Promise.all(pending);
const measured = events.filter((e) => e[0] > 1000).sort((a, b) => a[1] - b[1]);
const p = (q) => measured[Math.floor(q * (measured.length - 1))][1].toFixed(1);
console.log(`rate ${rate}: p50 ${p(0.5)} p99 ${p(0.99)} max ${measured.at(-1)[1].toFixed(1)}`);
const slow = events.filter((e) => e[1] > 15).sort((a, b) => a[0] - b[0]);
let last = -1e9; const clusters = [];
for (const e of slow) { if (e[0] - last > 100) clusters.push({ at: e[0], n: 0, max: 0, late: 0 }); const c = clusters.at(-1); c.n++; c.max = Math.max(c.max, e[1]); c.late = Math.max(c.late, e[2]); last = e[0]; }
for (const c of clusters) console.log(`  at ${(c.at / 1000).toFixed(2)} s: ${c.n} slow, max ${c.max.toFixed(0)} ms, driver late up to ${c.late.toFixed(0)} ms`);
agent.destroy(); child.kill('SIGTERM'); await pool.end();

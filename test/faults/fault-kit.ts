// What the fault suite shares: app processes started as children (`node dist/main.js`, as in
// production), a keep-alive HTTP client that never throws, fixtures, and the questions asked of
// the database at the end of every fault.
import { expect } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import mysql from 'mysql2/promise';
import { auditFailed, runAudit } from '../../scripts/lib/audit-checks.js';
import { createPayableOrders } from '../../scripts/lib/bench-fixtures.js';
import { SERVICE_ARGS } from '../../scripts/lib/app-process.js';
import { connectionOptions } from '../../scripts/lib/db-config.js';
import { freePort } from '../../scripts/lib/load.js';
import { applyTestEnv } from '../setup/test-env.js';

export type Env = Record<string, string | undefined>;

/** The test database of the configured server, with `overrides` (another port, a short lease…). */
export function faultEnv(overrides: Env = {}): Env {
  const env: Env = { ...process.env };
  applyTestEnv(env as NodeJS.ProcessEnv);
  return { ...env, LOG_LEVEL: 'warn', ...overrides };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when it exited. */
  at: number;
}

export interface AppProcess {
  url: string;
  pid: number;
  /** Everything it printed so far. */
  output: () => string;
  exited: Promise<Exit>;
  signal: (signal: NodeJS.Signals) => void;
  /** SIGKILL unless it already exited; resolves once it has. */
  stop: () => Promise<Exit>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `node dist/main.js` on a free port of 127.0.0.1; resolves once /health/live answers. */
export async function startAppProcess(env: Env): Promise<AppProcess> {
  const app = await spawnAppProcess(env);
  for (let i = 0; i < 300; i++) {
    const live = await send(undefined, app.url, 'GET', '/health/live');
    if (live.status === 200) return app;
    if (await Promise.race([app.exited.then(() => true), pause(100).then(() => false)])) break;
  }
  await app.stop();
  throw new Error(`app process did not come up:\n${app.output()}`);
}

/** `node dist/main.js` on a free port of 127.0.0.1, without waiting for it. */
export async function spawnAppProcess(env: Env): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, SERVICE_ARGS, {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  let gone = false;
  void exited.then(() => (gone = true));
  const app: AppProcess = {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    output: () => output,
    exited,
    signal: (signal) => {
      if (!gone) child.kill(signal);
    },
    stop: async () => {
      if (!gone) child.kill('SIGKILL');
      return exited;
    },
  };
  return app;
}

export interface Credentials {
  apiKey: string;
  accountId: number;
}

/** A new account and API key, made with the project's own CLI on the database of `env`. */
export function createCredentials(env: Env, name: string): Credentials {
  const printed = execFileSync(process.execPath, ['dist/cli/apikey.js', 'create', name], { env: env as NodeJS.ProcessEnv, encoding: 'utf8' });
  const accountId = Number(/\(id (\d+)\)/.exec(printed)?.[1]);
  return { apiKey: printed.trim().split('\n').pop()!, accountId };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json?: { code?: string; id?: number; orderId?: number; [field: string]: unknown };
  /** A network failure (ECONNRESET, ECONNREFUSED, a timeout): status is 0. */
  error?: string;
  /** Date.now() when the answer (or the failure) arrived. */
  at: number;
}

/** One request through `agent` (undefined: a new connection); never throws, bounded by `timeoutMs`. */
export function send(agent: Agent | undefined, url: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve) => {
    const req = request(`${url}${path}`, {
      method,
      agent: agent ?? false,
      headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...options.headers },
      timeout: options.timeoutMs ?? 20_000,
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, headers: {}, body: '', error: error.code ?? error.message, at: Date.now() }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, headers: {}, body: '', error: error.code ?? error.message, at: Date.now() }));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: Answer['json'];
        try {
          json = JSON.parse(body) as Answer['json'];
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json, at: Date.now() });
      });
    });
    req.end(payload);
  });
}

export interface PayableOrder {
  orderId: number;
  userId: number;
  /** The Idempotency-Key every attempt to pay this order uses. */
  key: string;
}

/** Orders ready to pay (users funded to cover them), each with its own Idempotency-Key. */
export async function payableOrders(connection: mysql.Connection, accountId: number, count: number, tag: string): Promise<PayableOrder[]> {
  const orders: { orderId: number; userId: number }[] = await createPayableOrders(connection, { accountId, count, users: Math.ceil(count / 2), amount: 1000, tag: `${tag}-${Date.now()}` });
  return orders.map((order) => ({ orderId: order.orderId, userId: order.userId, key: `${tag}-${order.orderId}` }));
}

/** POST /api/v1/payments for `order` under its key. */
export function pay(agent: Agent | undefined, url: string, credentials: Credentials, order: PayableOrder): Promise<Answer> {
  return send(agent, url, 'POST', '/api/v1/payments', {
    body: { orderId: order.orderId, userId: order.userId },
    headers: { authorization: `Bearer ${credentials.apiKey}`, 'idempotency-key': order.key },
  });
}

/** A connection to the test database of `env`'s server, to ask what happened. */
export function connectTo(env: Env): Promise<mysql.Connection> {
  return mysql.createConnection(connectionOptions(env as NodeJS.ProcessEnv));
}

/** Polls `condition` every 100 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await pause(100);
  }
  return condition();
}

/** Retries each order on `url` until it is paid (200), as a client would; returns the last answer of each. */
export async function retryUntilPaid(url: string, credentials: Credentials, orders: PayableOrder[], timeoutMs: number): Promise<Map<string, Answer>> {
  const last = new Map<string, Answer>();
  const deadline = Date.now() + timeoutMs;
  let pending = orders;
  while (pending.length > 0 && Date.now() < deadline) {
    const answers = await Promise.all(pending.map((order) => pay(undefined, url, credentials, order)));
    answers.forEach((answer, i) => last.set(pending[i].key, answer));
    pending = pending.filter((_, i) => answers[i].status !== 200);
    if (pending.length > 0) await pause(250);
  }
  return last;
}

/**
 * The end of every fault: asks the database. Each order has at most one payment, and every 200
 * a client got names that payment; the audit's money checks all pass; and no key of the account
 * is stuck PROCESSING (every claim finished, was released, or was reaped).
 */
export async function expectExactlyOnce(connection: mysql.Connection, accountId: number, orders: PayableOrder[], paid: Map<string, Answer[]>): Promise<void> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT o.id AS orderId, o.status, COUNT(p.id) AS payments, MIN(p.id) AS paymentId
       FROM orders o LEFT JOIN payments p ON p.order_id = o.id WHERE o.id IN (?) GROUP BY o.id, o.status`,
    [orders.map((order) => order.orderId)],
  );
  const byOrder = new Map(rows.map((row) => [Number(row.orderId), { status: String(row.status), payments: Number(row.payments), paymentId: Number(row.paymentId) }]));
  expect(orders.filter((order) => byOrder.get(order.orderId)!.payments > 1).map((order) => order.orderId)).toEqual([]);
  for (const order of orders) {
    const record = byOrder.get(order.orderId)!;
    for (const answer of paid.get(order.key) ?? []) {
      // Every 200 for the key names the one payment, and the order is PAID.
      expect({ order: order.orderId, paymentId: answer.json?.id, status: record.status }).toEqual({ order: order.orderId, paymentId: record.paymentId, status: 'PAID' });
    }
  }
  // The money checks, over the whole database; abandoned claims are asked of this account below.
  const results = await runAudit(connection);
  expect(results.filter((r: { violations: number; severity: string }) => r.violations > 0 && r.severity === 'failure')).toEqual([]);
  expect(auditFailed(results)).toBe(false);
  const [[stuck]] = await connection.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM idempotency_keys WHERE account_id = ? AND status = 'PROCESSING'`, [accountId]);
  expect(Number(stuck.n)).toBe(0);
}

/** Collects every 200 answer per key. */
export function recordPaid(paid: Map<string, Answer[]>, key: string, answer: Answer): void {
  if (answer.status !== 200) return;
  paid.set(key, [...(paid.get(key) ?? []), answer]);
}

/** The lines of `output` that contain `text`, without colours. */
export const linesWith = (output: string, text: string): string[] =>
  output
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((line) => line.includes(text));

/** A keep-alive agent with one socket: a client that reuses its connection for every request. */
export const keepAliveClient = (): Agent => new Agent({ keepAlive: true, maxSockets: 1 });

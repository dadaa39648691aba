import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { SERVICE_ARGS } from '../scripts/lib/app-process.js';
import { connectionOptions, testDatabaseName } from '../scripts/lib/db-config.js';
import { freePort } from '../scripts/lib/load.js';
import { requestFingerprint } from '../src/idempotency/request-fingerprint.js';
import { insertProcessingKey } from './factories/index.js';

type Line = Record<string, unknown>;

interface RunningApp {
  baseUrl: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** `node dist/main.js` as production runs it, on the test database, its stdout and stderr kept. */
async function startApp(env: Record<string, string>): Promise<RunningApp> {
  const port = await freePort();
  const child = spawn(process.execPath, SERVICE_ARGS, {
    env: { ...process.env, DB_NAME: testDatabaseName(), HOST: '127.0.0.1', PORT: String(port), DEV_CREDENTIALS: 'off', LOG_LEVEL: 'log', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`${baseUrl}/health/live`)).ok) break;
    } catch {
      // not listening yet
    }
    if (attempt >= 300 || child.exitCode !== null) {
      await stop();
      throw new Error(`the app did not come up:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { baseUrl, child, output: () => output, stop };
}

const shortHash = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 12);

describe('logs: one JSON line per request', () => {
  let app: RunningApp;
  let db: mysql.Connection;
  let apiKey: string;
  let accountId: number;
  let lines: Line[];
  let raw: string;
  const secrets: string[] = [];
  const key = randomUUID();
  const takenOverKey = randomUUID();
  const userName = `logs-${randomUUID()}`;
  const line = (requestId: string, msg = 'request') => lines.find((l) => l.requestId === requestId && l.msg === msg);

  beforeAll(async () => {
    db = await mysql.createConnection({ ...connectionOptions(process.env), database: testDatabaseName() });
    // The project's own CLI makes the account and its key, as an operator would.
    const created = execFileSync(process.execPath, ['dist/cli/apikey.js', 'create', `logs-${randomUUID()}`], {
      env: { ...process.env, DB_NAME: testDatabaseName() },
      encoding: 'utf8',
    });
    apiKey = created.trim().split('\n').pop()!;
    const [[row]] = (await db.query('SELECT account_id FROM api_keys WHERE key_hash = SHA2(?, 256)', [apiKey])) as [{ account_id: string }[], unknown];
    accountId = Number(row.account_id);
    secrets.push(apiKey, key, takenOverKey, userName);

    app = await startApp({});
    const call = async (requestId: string, method: string, path: string, options: { body?: object; auth?: string | null; key?: string } = {}) => {
      const headers: Record<string, string> = { 'x-request-id': requestId };
      if (options.auth !== null) headers.authorization = options.auth ?? `Bearer ${apiKey}`;
      if (options.body) headers['content-type'] = 'application/json';
      if (options.key) headers['idempotency-key'] = options.key;
      const res = await fetch(`${app.baseUrl}${path}`, { method, headers, body: options.body ? JSON.stringify(options.body) : undefined });
      return { status: res.status, body: (await res.json()) as Record<string, unknown>, replayed: res.headers.get('idempotent-replayed') };
    };
    const user = await call('logs-user', 'POST', '/api/v1/users', { body: { name: userName } });
    expect(user.status).toBe(201);
    const userId = user.body.id as number;
    expect((await call('logs-charge', 'POST', `/api/v1/users/${userId}/balance/charge`, { body: { amount: 50000 } })).status).toBe(200);
    const order = await call('logs-order', 'POST', '/api/v1/orders', { body: { userId, items: [{ name: 'coffee', unitPrice: 4500, quantity: 2 }] } });
    const payment = { orderId: order.body.id as number, userId };
    expect((await call('logs-pay', 'POST', '/api/v1/payments', { body: payment, key })).status).toBe(200);
    const replay = await call('logs-replay', 'POST', '/api/v1/payments', { body: payment, key });
    expect([replay.status, replay.replayed]).toEqual([200, 'true']);
    const minted = await call('logs-mint', 'POST', `/api/v1/users/${userId}/tokens`);
    const token = minted.body.token as string;
    secrets.push(token);
    expect((await call('logs-token', 'GET', `/api/v1/orders/${payment.orderId}`, { auth: `Bearer ${token}` })).status).toBe(200);
    expect((await call('logs-401', 'GET', `/api/v1/users/${userId}`, { auth: null })).status).toBe(401);
    const forged = `Bearer po_sk_${'x'.repeat(43)}`;
    secrets.push(forged.slice('Bearer '.length));
    expect((await call('logs-401-bad', 'GET', `/api/v1/users/${userId}`, { auth: forged })).status).toBe(401);
    expect((await call('logs-404', 'GET', `/no/such/${key}`)).status).toBe(404);

    // A key whose owner died mid-flight: the next request takes it over, and says so in a warning line.
    const second = await call('logs-order-2', 'POST', '/api/v1/orders', { body: { userId, items: [{ name: 'tea', unitPrice: 3000, quantity: 1 }] } });
    const secondPayment = { orderId: second.body.id as number, userId };
    await insertProcessingKey((sql, params) => db.query(sql, params), accountId, takenOverKey, requestFingerprint('POST', '/api/v1/payments', secondPayment), -1000);
    expect((await call('logs-takeover', 'POST', '/api/v1/payments', { body: secondPayment, key: takenOverKey })).status).toBe(200);

    await app.stop();
    raw = app.output();
    lines = raw
      .split('\n')
      .filter((text) => text.length > 0)
      .map((text) => {
        try {
          return JSON.parse(text) as Line;
        } catch {
          throw new Error(`not a JSON line: ${text}`);
        }
      });
    // What the database says: one payment for each of the two keys.
    const [[paid]] = (await db.query('SELECT COUNT(*) AS n FROM payments WHERE user_id = ?', [userId])) as [{ n: string }[], unknown];
    expect(Number(paid.n)).toBe(2);
  });

  afterAll(async () => {
    await app?.stop();
    await db?.end();
  });

  it('writes every line as JSON with a level, an ISO time and a message, and no colour codes', () => {
    expect(lines.length).toBeGreaterThan(10);
    expect(raw).not.toContain('\u001b[');
    for (const entry of lines) {
      expect(typeof entry.level).toBe('string');
      expect(new Date(entry.time as string).toISOString()).toBe(entry.time);
      expect(typeof entry.msg).toBe('string');
    }
    // Nest's own lines come out the same way.
    expect(lines.some((l) => l.context === 'Bootstrap' && String(l.msg).startsWith('payonce listening on'))).toBe(true);
  });

  it('logs a payment with its route, status, duration, account, idempotency outcome and a short hash of its key', () => {
    expect(line('logs-pay')).toEqual({
      level: 'info',
      time: expect.any(String),
      pid: app.child.pid,
      hostname: expect.any(String),
      requestId: 'logs-pay',
      method: 'POST',
      route: '/api/v1/payments',
      status: 200,
      durationMs: expect.any(Number),
      accountId,
      idempotency: 'new',
      keyHash: shortHash(key),
      msg: 'request',
    });
    expect(line('logs-replay')).toMatchObject({ route: '/api/v1/payments', status: 200, accountId, idempotency: 'replayed', keyHash: shortHash(key) });
    expect(line('logs-user')).toMatchObject({ method: 'POST', route: '/api/v1/users', status: 201, accountId });
    expect(line('logs-user')).not.toHaveProperty('idempotency');
    expect(line('logs-token')).toMatchObject({ method: 'GET', route: '/api/v1/orders/:id', status: 200, accountId });
  });

  it('logs refused and unknown requests with the route pattern and no account', () => {
    for (const requestId of ['logs-401', 'logs-401-bad']) {
      expect(line(requestId)).toMatchObject({ level: 'info', method: 'GET', route: '/api/v1/users/:id', status: 401 });
      expect(line(requestId)).not.toHaveProperty('accountId');
    }
    expect(line('logs-404')).toMatchObject({ method: 'GET', route: 'unmatched', status: 404 });
  });

  it('logs a lease takeover as a warning of the request that took the key over', () => {
    expect(line('logs-takeover', 'lease expired; taking the key over')).toMatchObject({
      level: 'warn',
      context: 'IdempotencyService',
      event: 'idempotency.taken_over',
      keyHash: shortHash(takenOverKey),
      accountId,
    });
    expect(line('logs-takeover')).toMatchObject({ status: 200, idempotency: 'taken_over', keyHash: shortHash(takenOverKey) });
  });

  it('never writes an API key, a user token, an Idempotency-Key or a request body', () => {
    expect(secrets).toHaveLength(6);
    for (const secret of secrets) expect(raw).not.toContain(secret);
  });
});

describe('logs: LOG_FORMAT=pretty', () => {
  it('writes readable lines without JSON or colour codes when the output is not a terminal', async () => {
    const app = await startApp({ LOG_FORMAT: 'pretty' });
    try {
      expect((await fetch(`${app.baseUrl}/health/live`, { headers: { 'x-request-id': 'logs-pretty' } })).status).toBe(200);
    } finally {
      await app.stop();
    }
    const output = app.output();
    expect(output).toMatch(/INFO.*payonce listening on/);
    expect(output).toMatch(/INFO: request GET \/health\/live 200 [\d.]+ms \{"requestId":"logs-pretty"\}/);
    expect(output).not.toContain('{"level"');
    expect(output).not.toContain('\u001b[');
  });
});

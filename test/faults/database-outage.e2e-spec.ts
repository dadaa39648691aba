import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type mysql from 'mysql2/promise';
import { freePort } from '../../scripts/lib/load.js';
import {
  connectTo,
  createCredentials,
  eventually,
  expectExactlyOnce,
  faultEnv,
  keepAliveClient,
  linesWith,
  pay,
  payableOrders,
  recordPaid,
  retryUntilPaid,
  send,
  spawnAppProcess,
  startAppProcess,
  type Answer,
  type AppProcess,
  type Credentials,
  type Env,
} from './fault-kit.js';

/** A server of its own (scripts/db.sh with DB_DATA_DIR), so that stopping it cannot disturb the rest of the suite. */
const OUTAGE_DATA_DIR = resolve('.data/faults-db');
const db = (command: 'start' | 'stop', env: Env) => execFileSync('bash', ['scripts/db.sh', command], { env: env as NodeJS.ProcessEnv, stdio: 'inherit' });
// An external server (DB_HOST) is not ours to stop.
const describeOwnServer = process.env.DB_HOST ? describe.skip : describe;

describeOwnServer('fault: the database stopped and started under load', () => {
  let env: Env;
  let app: AppProcess;
  let connection: mysql.Connection;
  let credentials: Credentials;

  beforeAll(async () => {
    env = faultEnv({
      DB_DATA_DIR: OUTAGE_DATA_DIR,
      DB_PORT: String(await freePort()),
      DB_CONNECT_TIMEOUT_MS: '20000',
      IDEMPOTENCY_LEASE_MS: '1500',
      IDEMPOTENCY_PURGE_INTERVAL_MS: '500',
    });
    // A server left running by a killed run listens on another port: stopped first, it starts on ours.
    db('stop', env);
    db('start', env);
    credentials = createCredentials(env, `faults-outage-${Date.now()}`);
    app = await startAppProcess(env);
    connection = await connectTo(env);
  });
  afterAll(async () => {
    await app?.stop();
    await connection?.end().catch(() => undefined);
    if (env) db('stop', env);
  });

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After (never a 500), logs it once, and recovers without a restart', async () => {
    const orders = await payableOrders(connection, credentials.accountId, 400, 'outage');
    await connection.end();
    const answers: { answer: Answer; key: string }[] = [];
    let next = 0;
    let running = true;
    const workers = Array.from({ length: 8 }, async () => {
      const agent = keepAliveClient();
      while (running && next < orders.length) {
        const order = orders[next++];
        answers.push({ key: order.key, answer: await pay(agent, app.url, credentials, order) });
        const read = await send(agent, app.url, 'GET', `/api/v1/users/${order.userId}`, { headers: { authorization: `Bearer ${credentials.apiKey}` } });
        answers.push({ key: '', answer: read });
      }
      agent.destroy();
    });
    const served = (status: number) => answers.filter(({ answer }) => answer.status === status).length;

    expect(await eventually(() => served(200) >= 20, 20_000)).toBe(true);
    db('stop', env);
    const stoppedAt = Date.now();
    expect(await eventually(() => answers.filter(({ answer }) => answer.at > stoppedAt && answer.status === 503).length >= 20, 20_000)).toBe(true);
    const health = await send(undefined, app.url, 'GET', '/health');
    expect(health.status).toBe(503);
    db('start', env);
    const startedAt = Date.now();
    // Recovery by itself: the same process serves again.
    expect(await eventually(() => answers.filter(({ answer }) => answer.at > startedAt && answer.status === 200).length >= 20, 30_000)).toBe(true);
    running = false;
    await Promise.all(workers);

    const faulty = answers.filter(({ answer }) => answer.status !== 200 && answer.status !== 503);
    expect(faulty.map(({ answer }) => `${answer.status} ${answer.error ?? answer.body}`)).toEqual([]);
    const unavailable = answers.filter(({ answer }) => answer.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const { answer } of unavailable) {
      expect(answer.json).toEqual({ statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: expect.any(String), error: 'Service Unavailable' });
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    }
    // The monitor probes once a second, so it may see the end a moment after the requests do.
    await eventually(() => linesWith(app.output(), 'the outage is over').length > 0, 10_000);
    // Once when it started, once when it ended; no stack trace per request (nothing was unexpected).
    expect(linesWith(app.output(), 'DatabaseOutageMonitor')).toEqual([expect.stringContaining('is unavailable'), expect.stringContaining('the outage is over')]);
    const errors = app
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{') && JSON.parse(line).level === 'error');
    expect(errors.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ event: 'database.outage_started', msg: expect.stringContaining('is unavailable') })]);
    expect(app.output()).not.toMatch(/\n\s+at /); // no stack trace anywhere

    // Every payment that was refused runs on retry (after the lease, for claims the outage cut off), once.
    const tried = new Set(answers.map(({ key }) => key));
    const attempted = orders.filter((order) => tried.has(order.key));
    const paid = new Map<string, Answer[]>();
    answers.forEach(({ key, answer }) => key && recordPaid(paid, key, answer));
    const retries = await retryUntilPaid(app.url, credentials, attempted.filter((order) => !paid.has(order.key)), 20_000);
    for (const [key, answer] of retries) {
      expect({ key, status: answer.status }).toEqual({ key, status: 200 });
      recordPaid(paid, key, answer);
    }
    connection = await connectTo(env);
    // The reaper has released what no retry took over; nothing is left PROCESSING.
    await eventually(async () => {
      const [rows] = await connection.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM idempotency_keys WHERE account_id = ? AND status = 'PROCESSING'`, [credentials.accountId]);
      return Number(rows[0].n) === 0;
    }, 10_000);
    await expectExactlyOnce(connection, credentials.accountId, attempted, paid);
  });

  it('starts while the database is down: waits, one line per attempt, and serves once it is up', async () => {
    db('stop', env);
    const waiting = await spawnAppProcess(env);
    try {
      expect(await eventually(() => linesWith(waiting.output(), 'not answering').length >= 2, 20_000)).toBe(true);
      db('start', env);
      const live = await eventually(async () => (await send(undefined, waiting.url, 'GET', '/health')).status === 200, 30_000);
      expect(live).toBe(true);
      const [attempt] = linesWith(waiting.output(), 'not answering');
      expect(attempt).toContain(`database 127.0.0.1:${env.DB_PORT} not answering (ECONNREFUSED), attempt 1`);
    } finally {
      await waiting.stop();
    }
  });
});

describe('fault: started with no database at all', () => {
  it('gives up after DB_CONNECT_TIMEOUT_MS with exit code 1 and a message naming host and port', async () => {
    const port = await freePort();
    const app = await spawnAppProcess(faultEnv({ DB_HOST: '127.0.0.1', DB_PORT: String(port), DB_CONNECT_TIMEOUT_MS: '2500', AUTH_TOKEN_SECRET: 'x'.repeat(32) }));
    const exit = await app.exited;
    expect(exit.code).toBe(1);
    expect(linesWith(app.output(), 'not answering').length).toBeGreaterThanOrEqual(2);
    expect(linesWith(app.output(), 'start-up failed')).toEqual([expect.stringContaining(`database 127.0.0.1:${port} did not answer within 2500 ms`)]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type mysql from 'mysql2/promise';
import { connect, type Socket } from 'node:net';
import {
  connectTo,
  createCredentials,
  eventually,
  expectExactlyOnce,
  faultEnv,
  keepAliveClient,
  pay,
  payableOrders,
  recordPaid,
  retryUntilPaid,
  send,
  startAppProcess,
  type Answer,
  type AppProcess,
  type Credentials,
  type PayableOrder,
} from './fault-kit.js';

const GRACE_MS = 6000;
const BUSY_CLIENTS = 16;
const IDLE_CLIENTS = 6;

/** A keep-alive connection that made one request and now sits idle; `closed()` says whether the server hung up. */
function idleConnection(url: string): Promise<{ socket: Socket; closed: () => boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let hungUp = false;
    socket.once('close', () => (hungUp = true));
    socket.once('error', () => undefined);
    socket.once('data', () => resolve({ socket, closed: () => hungUp }));
    socket.once('connect', () => socket.write(`GET /health/live HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`));
    setTimeout(() => reject(new Error('no answer on the idle connection')), 10_000).unref();
  });
}

describe('fault: SIGTERM with keep-alive clients and payments in flight', () => {
  // The default lease (30 s): a key left PROCESSING by the stop would still be stuck when the test looks.
  const env = faultEnv({ SHUTDOWN_GRACE_MS: String(GRACE_MS) });
  let stopping: AppProcess;
  let successor: AppProcess | undefined;
  let db: mysql.Connection;
  let blocker: mysql.Connection;
  let credentials: Credentials;

  beforeAll(async () => {
    credentials = createCredentials(env, `faults-drain-${Date.now()}`);
    stopping = await startAppProcess(env);
    db = await connectTo(env);
    blocker = await connectTo(env);
  });
  afterAll(async () => {
    await Promise.all([stopping?.stop(), successor?.stop()]);
    await blocker?.end();
    await db?.end();
  });

  it('drains within SHUTDOWN_GRACE_MS: in-flight payments finish, idle connections close at once, late requests get 503 SHUTTING_DOWN', async () => {
    const orders = await payableOrders(db, credentials.accountId, 600, 'drain');
    const [held, ...rest] = orders;
    const attempts: { order: PayableOrder; answer: Answer }[] = [];

    // One payment certainly in flight when the signal comes: its order's row is locked.
    await blocker.beginTransaction();
    await blocker.query('SELECT id FROM orders WHERE id = ? FOR UPDATE', [held.orderId]);
    const heldAnswer = pay(undefined, stopping.url, credentials, held);
    const idle = await Promise.all(Array.from({ length: IDLE_CLIENTS }, () => idleConnection(stopping.url)));
    let next = 0;
    const busy = Array.from({ length: BUSY_CLIENTS }, async () => {
      const agent = keepAliveClient();
      // Each client reuses its connection while it may (after Connection: close it opens another), until it is refused.
      while (next < rest.length) {
        const order = rest[next++];
        const answer = await pay(agent, stopping.url, credentials, order);
        attempts.push({ order, answer });
        if (answer.status !== 200) break;
      }
      agent.destroy();
    });
    expect(await eventually(() => attempts.length >= 40, 30_000)).toBe(true);
    const heldClaimed = await eventually(async () => {
      const [rows] = await db.query<mysql.RowDataPacket[]>('SELECT status FROM idempotency_keys WHERE account_id = ? AND idempotency_key = ?', [credentials.accountId, held.key]);
      return rows[0]?.status === 'PROCESSING';
    }, 10_000);
    expect(heldClaimed).toBe(true);

    const signalledAt = Date.now();
    stopping.signal('SIGTERM');
    let exited = false;
    void stopping.exited.then(() => (exited = true));
    // While the held payment keeps the process draining: idle connections are closed at once…
    expect(await eventually(() => idle.every(({ closed }) => closed()), 5000)).toBe(true);
    // …and what still arrives is refused in the contract's shape.
    expect(await eventually(() => attempts.some(({ answer }) => answer.status === 503), 10_000)).toBe(true);
    const late = await send(undefined, stopping.url, 'GET', '/health/live');
    expect(exited).toBe(false);
    expect(late.status).toBe(503);
    await blocker.rollback();

    const exit = await stopping.exited;
    // Nest re-raises the signal once closed; exit code 1 would mean the grace ran out (the watchdog).
    expect(exit).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect(exit.at - signalledAt).toBeLessThan(GRACE_MS);
    await Promise.all(busy);

    const heldPaid = await heldAnswer;
    expect(heldPaid.status).toBe(200);
    expect(heldPaid.headers.connection).toBe('close');
    const refused = [...attempts.map(({ answer }) => answer), late].filter((answer) => answer.status === 503);
    for (const answer of refused) {
      expect(answer.json).toEqual({ statusCode: 503, code: 'SHUTTING_DOWN', message: expect.any(String), error: 'Service Unavailable' });
      expect(answer.headers.connection).toBe('close');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Nothing else: a 200, a 503, or (a request racing the socket's close) no answer at all.
    expect(attempts.filter(({ answer }) => ![200, 503, 0].includes(answer.status)).map(({ answer }) => `${answer.status} ${answer.body}`)).toEqual([]);

    // What got a 200 is paid, once; nothing is left PROCESSING; every other key runs on the next process.
    const paid = new Map<string, Answer[]>();
    recordPaid(paid, held.key, heldPaid);
    attempts.forEach(({ order, answer }) => recordPaid(paid, order.key, answer));
    const tried = [held, ...attempts.map(({ order }) => order)];
    await expectExactlyOnce(db, credentials.accountId, tried, paid);
    successor = await startAppProcess(env);
    const unpaid = tried.filter((order) => !paid.has(order.key));
    expect(unpaid.length).toBeGreaterThan(0);
    const retries = await retryUntilPaid(successor.url, credentials, [...unpaid, held], 20_000);
    for (const [key, answer] of retries) {
      expect({ key, status: answer.status }).toEqual({ key, status: 200 });
      recordPaid(paid, key, answer);
    }
    // The held payment's retry is a replay of the answer its client got during the drain.
    expect(retries.get(held.key)?.body).toBe(heldPaid.body);
    await expectExactlyOnce(db, credentials.accountId, tried, paid);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type mysql from 'mysql2/promise';
import {
  connectTo,
  createCredentials,
  eventually,
  expectExactlyOnce,
  faultEnv,
  linesWith,
  pay,
  payableOrders,
  recordPaid,
  startAppProcess,
  type Answer,
  type AppProcess,
  type Credentials,
  type PayableOrder,
} from './fault-kit.js';

const LEASE_MS = 5000;

describe('fault: two processes, one killed with SIGKILL mid-burst', () => {
  const env = faultEnv({ IDEMPOTENCY_LEASE_MS: String(LEASE_MS), IDEMPOTENCY_PURGE_INTERVAL_MS: '500' });
  let doomed: AppProcess;
  let survivor: AppProcess;
  let db: mysql.Connection;
  let blocker: mysql.Connection;
  let credentials: Credentials;

  beforeAll(async () => {
    credentials = createCredentials(env, `faults-kill-${Date.now()}`);
    // One at a time: each runs the migrations at start-up.
    doomed = await startAppProcess(env);
    survivor = await startAppProcess(env);
    db = await connectTo(env);
    blocker = await connectTo(env);
  });
  afterAll(async () => {
    await Promise.all([doomed?.stop(), survivor?.stop()]);
    await blocker?.end();
    await db?.end();
  });

  it('keeps one payment per order: in-flight keys answer 409 until the lease runs out, then pay once; abandoned ones are reaped', async () => {
    const orders = await payableOrders(db, credentials.accountId, 80, 'kill');
    // Held by row locks, these six are certainly mid-transaction, their claims committed, when the kill comes.
    const held = orders.slice(0, 6);
    const [retried, abandoned] = [held.slice(0, 3), held.slice(3)];
    const others = orders.slice(6);
    await blocker.beginTransaction();
    await blocker.query('SELECT id FROM orders WHERE id IN (?) FOR UPDATE', [held.map((order) => order.orderId)]);

    const burst = [
      ...held.map((order) => pay(undefined, doomed.url, credentials, order)),
      ...others.map((order, i) => pay(undefined, i % 2 ? doomed.url : survivor.url, credentials, order)),
    ];
    const claimed = await eventually(async () => {
      const [rows] = await db.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM idempotency_keys WHERE account_id = ? AND idempotency_key IN (?)', [
        credentials.accountId,
        held.map((order) => order.key),
      ]);
      return Number(rows[0].n) === held.length;
    }, 30_000);
    expect(claimed).toBe(true);
    doomed.signal('SIGKILL');
    const exit = await doomed.exited;
    expect(exit.signal).toBe('SIGKILL');
    // Retried at once on the survivor: the held keys are still leased to the dead process.
    const early = await Promise.all(retried.map((order) => pay(undefined, survivor.url, credentials, order)));
    for (const answer of early) {
      expect(answer.status).toBe(409);
      expect(answer.json?.code).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    }
    await blocker.rollback();
    const first = await Promise.all(burst);
    const paid = new Map<string, Answer[]>();
    const burstOrders = [...held, ...others];
    first.forEach((answer, i) => recordPaid(paid, burstOrders[i].key, answer));
    // The survivor's half of the burst was never in danger.
    const survivorsShare = others.map((order, i) => ({ key: order.key, status: first[held.length + i].status })).filter((_, i) => i % 2 === 0);
    expect(survivorsShare.filter((answer) => answer.status !== 200)).toEqual([]);
    // The held requests' clients got no answer: their process died under them.
    expect(held.map((_, i) => first[i].status)).toEqual(held.map(() => 0));

    // Every other key of the burst answers 200 (a replay of what committed), or 409 while leased.
    const againNow = await Promise.all(others.map((order) => pay(undefined, survivor.url, credentials, order)));
    againNow.forEach((answer, i) => {
      expect([200, 409]).toContain(answer.status);
      recordPaid(paid, others[i].key, answer);
    });

    // After the lease, every retried key is taken over and paid, once.
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 500));
    const toRetry = [...retried, ...others];
    const late = await Promise.all(toRetry.map((order) => pay(undefined, survivor.url, credentials, order)));
    late.forEach((answer, i) => {
      expect({ key: toRetry[i].key, status: answer.status }).toEqual({ key: toRetry[i].key, status: 200 });
      recordPaid(paid, toRetry[i].key, answer);
    });
    // A replay is the first answer's bytes.
    for (const answers of paid.values()) for (const answer of answers) expect(answer.body).toBe(answers[0].body);

    // Never retried, the abandoned claims are released by the survivor's reaper, and moved no money.
    const reaped = await eventually(async () => {
      const [rows] = await db.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM idempotency_keys WHERE account_id = ? AND idempotency_key IN (?) AND status = 'RELEASED'`, [
        credentials.accountId,
        abandoned.map((order) => order.key),
      ]);
      return Number(rows[0].n) === abandoned.length;
    }, 15_000);
    expect(reaped).toBe(true);
    expect(linesWith(survivor.output(), 'abandoned idempotency claims').length).toBeGreaterThan(0);
    const [unpaid] = await db.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM orders WHERE id IN (?) AND status = 'PENDING'`, [abandoned.map((order) => order.orderId)]);
    expect(Number(unpaid[0].n)).toBe(abandoned.length);

    await expectExactlyOnce(db, credentials.accountId, orders, paid);
    expect(countPaid(paid, [...retried, ...others])).toBe(retried.length + others.length);
  });
});

function countPaid(paid: Map<string, Answer[]>, orders: PayableOrder[]): number {
  return orders.filter((order) => (paid.get(order.key)?.length ?? 0) > 0).length;
}

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type mysql from 'mysql2/promise';
import {
  connectTo,
  createCredentials,
  expectExactlyOnce,
  faultEnv,
  pay,
  payableOrders,
  recordPaid,
  retryUntilPaid,
  send,
  startAppProcess,
  type Answer,
  type AppProcess,
  type Credentials,
} from './fault-kit.js';

const STORM = 200;

describe('fault: DB_POOL_SIZE=2 under storms', () => {
  const env = faultEnv({ DB_POOL_SIZE: '2' });
  let app: AppProcess;
  let db: mysql.Connection;
  let credentials: Credentials;

  beforeAll(async () => {
    credentials = createCredentials(env, `faults-pool-${Date.now()}`);
    app = await startAppProcess(env);
    db = await connectTo(env);
  });
  afterAll(async () => {
    await app?.stop();
    await db?.end();
  });

  it('pays a key stormed by 200 requests once, and 200 distinct keys once each, with no 5xx', async () => {
    const orders = await payableOrders(db, credentials.accountId, STORM + 1, 'pool');
    const [stormed, ...distinct] = orders;
    const authorization = `Bearer ${credentials.apiKey}`;
    // All at once through two connections: one key, many keys, and reads in between.
    const answers = await Promise.all([
      ...Array.from({ length: STORM }, () => pay(undefined, app.url, credentials, stormed)),
      ...distinct.map((order) => pay(undefined, app.url, credentials, order)),
      ...distinct.slice(0, 50).map((order) => send(undefined, app.url, 'GET', `/api/v1/orders/${order.orderId}`, { headers: { authorization } })),
    ]);
    expect(answers.filter((answer) => answer.status === 0 || answer.status >= 500).map((answer) => `${answer.status} ${answer.error ?? answer.body}`)).toEqual([]);

    const stormAnswers = answers.slice(0, STORM);
    // The storm's losers are told to come back; nobody gets a second payment.
    expect(stormAnswers.filter((answer) => answer.status !== 200 && answer.json?.code !== 'IDEMPOTENCY_KEY_IN_PROGRESS')).toEqual([]);
    const paid = new Map<string, Answer[]>();
    stormAnswers.forEach((answer) => recordPaid(paid, stormed.key, answer));
    answers.slice(STORM, STORM + distinct.length).forEach((answer, i) => recordPaid(paid, distinct[i].key, answer));
    expect(answers.slice(STORM + distinct.length).every((answer) => answer.status === 200)).toBe(true);

    const retries = await retryUntilPaid(app.url, credentials, orders.filter((order) => !paid.has(order.key)), 20_000);
    for (const [key, answer] of retries) {
      expect({ key, status: answer.status }).toEqual({ key, status: 200 });
      recordPaid(paid, key, answer);
    }
    await expectExactlyOnce(db, credentials.accountId, orders, paid);
    expect(paid.size).toBe(orders.length);
  });
});

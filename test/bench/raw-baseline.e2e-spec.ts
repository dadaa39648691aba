import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mysql from 'mysql2/promise';
import { connectionOptions } from '../../scripts/lib/db-config.js';
import { openLoopRaw } from '../../scripts/lib/load.js';
import { needsIsolationStatement, rawPayment, ROUND_TRIPS_PER_PAYMENT } from '../../scripts/lib/raw-payment.js';
import { createOrder, createUser, ledgerOf, newKey, pay } from '../factories/index.js';
import { recordRoundTrips, shapeOf } from '../setup/sql-recorder.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

/** The benchmark's raw baseline is only a fair floor while it sends what the service sends: this holds the two together. */
describe("the bench's raw mysql2 baseline", () => {
  let t: TestApp;
  let connection: mysql.Connection;
  beforeAll(async () => {
    t = await startTestApp();
    connection = await mysql.createConnection({ ...connectionOptions(process.env), multipleStatements: true });
  });
  afterAll(async () => {
    await connection.end();
    await t.close();
  });

  /** The round trips the baseline sends for one payment, as the server receives them. */
  async function baselineRoundTrips(order: { accountId: number; orderId: number; userId: number }): Promise<string[]> {
    const seen: string[] = [];
    const recording = new Proxy(connection, {
      get(target, property, receiver) {
        if (property !== 'query') return Reflect.get(target, property, receiver);
        return (sql: string, values?: unknown[]) => {
          seen.push(target.format(sql, values ?? []));
          return target.query(sql, values);
        };
      },
    });
    await rawPayment(recording, order, await needsIsolationStatement(connection));
    return seen.filter((sql) => !/@@SESSION/.test(sql));
  }

  it('sends the same statements, in the same round trips, as a new payment through the API', async () => {
    const user = await createUser(t, 100_000);
    // A first payment warms what the service reads once (the server's isolation level, the key cache).
    await pay(t, newKey(), { orderId: (await createOrder(t, user.id)).id, userId: user.id }).expect(200);
    const viaApi = await createOrder(t, user.id);
    const service = await recordRoundTrips(t, () => pay(t, newKey(), { orderId: viaApi.id, userId: user.id }).expect(200));
    const viaRaw = await createOrder(t, user.id);
    const baseline = await baselineRoundTrips({ accountId: t.account.accountId, orderId: viaRaw.id, userId: user.id });

    console.log(`a new payment: ${service.length} round trips, ${service.join(';\n').split(';\n').length} statements`);
    expect(baseline.map(shapeOf)).toEqual(service.map(shapeOf));
    expect(service).toHaveLength(ROUND_TRIPS_PER_PAYMENT);
    // And the baseline's payment is a real one.
    expect(await ledgerOf(t, user.id)).toMatchObject({ payments: 3, balance: 100_000 - 3 * 9000 });
  });

  it('as the half-rate control, pays each order once from its worker, the warm-up unmeasured', async () => {
    const user = await createUser(t, 1_000_000);
    const orders = [];
    for (let i = 0; i < 20; i++) orders.push({ accountId: t.account.accountId, orderId: (await createOrder(t, user.id)).id, userId: user.id });
    // 100/s for 50 ms of warm-up and 150 ms measured: 5 + 15 sends, one per order.
    const result = await openLoopRaw({
      connection: connectionOptions(process.env),
      poolSize: 4,
      orders,
      setIsolation: await needsIsolationStatement(connection),
      rate: 100,
      durationMs: 150,
      warmupMs: 50,
    });
    expect(result).toMatchObject({ sent: 15, failed: 0 });
    expect(await ledgerOf(t, user.id)).toMatchObject({ payments: 20, balance: 1_000_000 - 20 * 9000 });
  });
});

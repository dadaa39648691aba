import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mysql from 'mysql2/promise';
import { connectionOptions } from '../scripts/lib/db-config.js';
import { IdempotencyPurger } from '../src/idempotency/idempotency-purger.js';
import { requestFingerprint } from '../src/idempotency/request-fingerprint.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { createOrder, createUser, insertProcessingKey, json, ledgerOf, newKey, pay } from './factories/index.js';
import { startTestApp, type TestApp } from './setup/test-app.js';

/** One sample of a scrape: the metric with every given label (others may be present too). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ? match[2].split(',') : [];
    if (wanted.every((pair) => present.includes(pair))) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  let t: TestApp;
  const scrape = async (): Promise<string> => (await t.anon().get('/metrics').expect(200)).text;
  const outcome = (text: string, value: string) => sample(text, 'payonce_idempotency_requests_total', { outcome: value });
  const payments = (text: string, value: string) => sample(text, 'payonce_payments_total', { outcome: value }) ?? 0;
  const insertProcessing = (key: string, body: object, leaseOffsetMs: number) =>
    insertProcessingKey(t.query, t.account.accountId, key, requestFingerprint('POST', '/api/v1/payments', body), leaseOffsetMs);
  const waitForRow = async (sql: string, params: unknown[]) => {
    for (let i = 0; i < 500; i++) {
      if ((await t.query(sql, params)).length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no row for ${sql}`);
  };

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers Prometheus text without a credential, with process metrics and every idempotency outcome', async () => {
    const res = await t.anon().get('/metrics').expect(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.text).toContain('# TYPE payonce_http_request_duration_seconds histogram');
    expect(res.text).toContain('# TYPE payonce_idempotency_requests_total counter');
    expect(sample(res.text, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(sample(res.text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    for (const value of ['new', 'replayed', 'in_progress', 'reused', 'invalid', 'taken_over', 'fenced']) expect(outcome(res.text, value)).toBeGreaterThanOrEqual(0);
    expect(sample(res.text, 'payonce_idempotency_keys_reaped_total')).toBe(0);
    for (const reason of ['deadlock', 'lock_wait', 'certification', 'duplicate_at_commit'])
      expect(sample(res.text, 'payonce_db_transaction_retries_total', { reason })).toBeGreaterThanOrEqual(0);
    expect(sample(res.text, 'payonce_db_pool_connections_max')).toBe(Number(process.env.DB_POOL_SIZE ?? 20));
    // Under the API prefix there is nothing: it lives at the root like /health.
    await t.http().get('/api/v1/metrics').expect(404);
  });

  it('counts a new payment, its replays from memory, a refused reuse and a missing key', async () => {
    const user = await createUser(t, 50000);
    const order = await createOrder(t, user.id);
    const key = newKey();
    const body = { orderId: order.id, userId: user.id };
    const before = await scrape();

    await pay(t, key, body).expect(200);
    await pay(t, key, body).expect(200);
    await pay(t, key, body).expect(200);
    await pay(t, key, { orderId: order.id, userId: user.id + 1 }).expect(422);
    await pay(t, undefined, body).expect(400);
    const after = await scrape();

    expect(outcome(after, 'new')! - outcome(before, 'new')!).toBe(1);
    expect(outcome(after, 'replayed')! - outcome(before, 'replayed')!).toBe(2);
    expect(outcome(after, 'reused')! - outcome(before, 'reused')!).toBe(1);
    expect(outcome(after, 'invalid')! - outcome(before, 'invalid')!).toBe(1);
    // Replays do not run the payment again: one decision, one COMPLETED.
    expect(payments(after, 'COMPLETED') - payments(before, 'COMPLETED')).toBe(1);
    // Both replays and the reuse were decided from memory.
    expect(sample(after, 'payonce_replay_cache_hits_total')! - sample(before, 'payonce_replay_cache_hits_total')!).toBe(3);
    expect(sample(after, 'payonce_replay_cache_entries')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'payonce_replay_cache_bytes')).toBeGreaterThan(0);
    const paid = { method: 'POST', route: '/api/v1/payments', status: '200' };
    expect(sample(after, 'payonce_http_request_duration_seconds_count', paid)! - (sample(before, 'payonce_http_request_duration_seconds_count', paid) ?? 0)).toBe(3);
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 41000, payments: 1, paid: 9000 });
  });

  it('counts business outcomes by code, and a 409 for a key still in flight', async () => {
    const poor = await createUser(t, 100);
    const expensive = await createOrder(t, poor.id);
    const rich = await createUser(t, 50000);
    const order = await createOrder(t, rich.id);
    const body = { orderId: order.id, userId: rich.id };
    const inFlight = newKey();
    await insertProcessing(inFlight, body, 20_000);
    const before = await scrape();

    expect(json((await pay(t, newKey(), { orderId: expensive.id, userId: poor.id }).expect(422)).body).code).toBe('INSUFFICIENT_BALANCE');
    expect(json((await pay(t, inFlight, body).expect(409)).body).code).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
    await pay(t, newKey(), body).expect(200);
    expect(json((await pay(t, newKey(), body).expect(409)).body).code).toBe('ORDER_ALREADY_PAID');
    const after = await scrape();

    expect(payments(after, 'INSUFFICIENT_BALANCE') - payments(before, 'INSUFFICIENT_BALANCE')).toBe(1);
    expect(payments(after, 'ORDER_ALREADY_PAID') - payments(before, 'ORDER_ALREADY_PAID')).toBe(1);
    expect(payments(after, 'COMPLETED') - payments(before, 'COMPLETED')).toBe(1);
    expect(outcome(after, 'in_progress')! - outcome(before, 'in_progress')!).toBe(1);
    expect(outcome(after, 'new')! - outcome(before, 'new')!).toBe(3);
    expect(await ledgerOf(t, rich.id)).toEqual({ balance: 41000, payments: 1, paid: 9000 });
    expect(await ledgerOf(t, poor.id)).toEqual({ balance: 100, payments: 0, paid: 0 });
    await t.query('DELETE FROM idempotency_keys WHERE idempotency_key = ?', [inFlight]);
  });

  it('counts a takeover and the fenced completion of the request it replaced; the pool shows connections in use', async () => {
    const user = await createUser(t, 50000);
    const order = await createOrder(t, user.id);
    const key = newKey();
    const body = { orderId: order.id, userId: user.id };
    const blocker = await mysql.createConnection(connectionOptions(process.env));
    const before = await scrape();
    try {
      // The first request claims the key, then waits on the order's row lock.
      await blocker.beginTransaction();
      await blocker.query('SELECT id FROM orders WHERE id = ? FOR UPDATE', [order.id]);
      const first = pay(t, key, body).then((res) => res);
      await waitForRow('SELECT 1 FROM idempotency_keys WHERE idempotency_key = ?', [key]);
      const during = await scrape();
      expect(sample(during, 'payonce_db_pool_connections_in_use')).toBeGreaterThanOrEqual(1);
      // Its lease runs out (as when its process hangs); a retry takes the key over and waits too.
      await t.query('UPDATE idempotency_keys SET lease_expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE idempotency_key = ?', [key]);
      const second = pay(t, key, body).then((res) => res);
      await waitForRow('SELECT 1 FROM idempotency_keys WHERE idempotency_key = ? AND fencing_token = 2', [key]);
      await blocker.rollback();
      const answers = [await first, await second].map((res) => res.status).sort();
      expect(answers).toEqual([200, 409]);
    } finally {
      await blocker.end();
    }
    const after = await scrape();
    expect(outcome(after, 'taken_over')! - outcome(before, 'taken_over')!).toBe(1);
    expect(outcome(after, 'fenced')! - outcome(before, 'fenced')!).toBe(1);
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 41000, payments: 1, paid: 9000 });
  });

  it('counts purged keys, and reaped keys once the reaper reports them', async () => {
    const user = await createUser(t, 50000);
    const order = await createOrder(t, user.id);
    const key = newKey();
    await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);
    await t.query('UPDATE idempotency_keys SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE idempotency_key = ?', [key]);
    const before = await scrape();
    await t.app.get(IdempotencyPurger).runOnce();
    t.app.get(MetricsService).countReapedKeys(2);
    const after = await scrape();
    expect(await t.query('SELECT 1 FROM idempotency_keys WHERE idempotency_key = ?', [key])).toHaveLength(0);
    expect(sample(after, 'payonce_idempotency_keys_purged_total')! - sample(before, 'payonce_idempotency_keys_purged_total')!).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'payonce_idempotency_keys_reaped_total')! - sample(before, 'payonce_idempotency_keys_reaped_total')!).toBe(2);
  });

  it('labels routes by pattern and unknown paths as one value: no key, id or account in any label', async () => {
    const key = newKey();
    await t.http().get('/api/v1/payments/987654321').expect(404);
    await t.anon().get(`/no/such/${key}`).expect(404);
    await t.anon().get('/api/v1/payments/987654321').expect(401);
    const text = await scrape();
    expect(sample(text, 'payonce_http_request_duration_seconds_count', { route: '/api/v1/payments/:id', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'payonce_http_request_duration_seconds_count', { route: '/api/v1/payments/:id', status: '401' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'payonce_http_request_duration_seconds_count', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(key);
    expect(text).not.toContain('987654321');
    expect(text).not.toContain('/no/such');
    expect(text).not.toContain(t.account.apiKey);
  });
});

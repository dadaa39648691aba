// The three k6 scripts, loaded as they are, with 'k6', 'k6/http' and 'k6/metrics' replaced by
// the stand-ins of spec-support/fake-k6.js and the service by the in-memory payonce of
// spec-support/fake-api.js. This checks the wiring (options, setup data, per-VU users, headers,
// metrics and checks) that the pure-module specs cannot see. It does not replace a real
// `k6 run` against the service: see k6/README.md.
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createFakeApi } from './spec-support/fake-api.js';
import { createFakeK6 } from './spec-support/fake-k6.js';

let server = createFakeApi();
const k6 = createFakeK6(() => server);
for (const [name, mod] of Object.entries(k6.modules)) jest.unstable_mockModule(name, () => mod, { virtual: true });

const ENV = {
  BASE_URL: 'http://127.0.0.1:3000',
  API_KEY: 'po_sk_test',
  VUS: '2',
  ITERATIONS: '3',
  DURATION: '1m',
  RATE: '2',
  PRE_ALLOCATED_VUS: '2',
  MAX_VUS: '3',
  MAX_FAILURE_LOGS: '0',
};

const scripts = {};
let logSpy;

beforeAll(async () => {
  logSpy = jest.spyOn(console, 'log').mockImplementation(() => {});
  globalThis.__ENV = ENV;
  globalThis.__VU = 0;
  globalThis.__ITER = 0;
  scripts.payment = await import('./payment-process.js');
  scripts.concurrent = await import('./concurrent-duplicates.js');
  scripts.soak = await import('./soak.js');
});

afterAll(() => {
  logSpy.mockRestore();
  delete globalThis.__ENV;
  delete globalThis.__VU;
  delete globalThis.__ITER;
});

beforeEach(() => {
  server = createFakeApi();
  k6.reset();
});

function run(script, data, vus, iterations) {
  for (let iter = 0; iter < iterations; iter++) {
    for (let vu = 1; vu <= vus; vu++) {
      globalThis.__VU = vu;
      globalThis.__ITER = iter;
      script.default(data);
    }
  }
}

const success = () => k6.total('idempotency_verification_success');
const failure = () => k6.total('idempotency_verification_failure');
const prevented = (kind) => k6.total('duplicate_payments_prevented', (tags) => !kind || tags.kind === kind);
const failedChecks = () => k6.recorded.checks.filter((c) => !c.pass).map((c) => c.name);
const paymentRequests = () => k6.recorded.requests.filter((r) => r.url.endsWith('/payments'));

describe('payment-process.js', () => {
  it('exports a bounded per-vu-iterations scenario and the exactly-once thresholds', () => {
    const { options } = scripts.payment;
    expect(options.scenarios.payment_process).toEqual({ executor: 'per-vu-iterations', vus: 2, iterations: 3, maxDuration: '1m' });
    expect(options.thresholds.idempotency_verification_failure).toEqual(['count==0']);
    expect(options.thresholds.http_req_duration).toEqual(['p(95)<200', 'p(99)<500']);
  });

  it('verifies every iteration against a correct service', () => {
    const data = scripts.payment.setup();
    expect(data.users).toHaveLength(2);
    expect(data.exclusive).toBe(true);
    run(scripts.payment, data, 2, 3);
    expect(success()).toBe(6);
    expect(failure()).toBe(0);
    expect(prevented('cached')).toBe(12);
    expect(failedChecks()).toEqual([]);
    expect(server.state.payments).toHaveLength(6);
  });

  it('sends JSON, one key three times per order, and marks 409 as expected', () => {
    run(scripts.payment, scripts.payment.setup(), 1, 2);
    const payments = paymentRequests();
    expect(payments).toHaveLength(6);
    const keys = payments.map((r) => r.params.headers['Idempotency-Key']);
    expect(new Set(keys).size).toBe(2);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[1]).toBe(keys[2]);
    for (const r of payments) {
      expect(r.params.headers['Content-Type']).toBe('application/json');
      expect(r.params.tags.name).toBe('POST /payments');
      expect(r.params.responseCallback.expectedStatuses).toEqual([{ min: 200, max: 299 }, 409]);
    }
    expect(JSON.parse(payments[0].body)).toEqual({ orderId: expect.any(Number), userId: expect.any(Number) });
  });

  it('sets up with the API key, and checks out as a browser does, with the user token', () => {
    const data = scripts.payment.setup();
    const setupRequests = k6.recorded.requests.slice();
    expect(setupRequests.map((r) => r.params.headers.Authorization)).toEqual(setupRequests.map(() => 'Bearer po_sk_test'));
    expect(setupRequests.filter((r) => r.url.endsWith('/tokens'))).toHaveLength(2);
    k6.reset();
    run(scripts.payment, data, 2, 1);
    const tokens = data.users.map((u) => `Bearer ${u.token}`);
    expect(k6.recorded.requests.length).toBeGreaterThan(0);
    for (const r of k6.recorded.requests) expect(tokens).toContain(r.params.headers.Authorization);
  });

  it('gives each VU its own user', () => {
    run(scripts.payment, scripts.payment.setup(), 2, 1);
    const orders = k6.recorded.requests.filter((r) => r.url.endsWith('/orders')).map((r) => JSON.parse(r.body).userId);
    expect(new Set(orders).size).toBe(2);
  });

  it('fails the failure counter when the service pays twice', () => {
    server = createFakeApi({ ignoreKeys: true }); // every request runs again
    run(scripts.payment, scripts.payment.setup(), 2, 1);
    expect(success()).toBe(0);
    expect(failure()).toBe(2);
    expect(k6.recorded.samples.find((s) => s.metric === 'idempotency_verification_failure' && s.value === 1).tags.stage).toBe('payment');
  });
});

describe('concurrent-duplicates.js', () => {
  it('raises batchPerHost to the concurrency', () => {
    const { options } = scripts.concurrent;
    expect(options.batchPerHost).toBeGreaterThanOrEqual(5);
    expect(options.scenarios.concurrent_duplicates.executor).toBe('per-vu-iterations');
  });

  it('fires the duplicates in one http.batch and verifies them', () => {
    const data = scripts.concurrent.setup();
    run(scripts.concurrent, data, 2, 2);
    const batched = paymentRequests().filter((r) => r.batch);
    expect(batched).toHaveLength(4 * 5);
    expect(success()).toBe(4);
    expect(failure()).toBe(0);
    expect(prevented('conflict')).toBeGreaterThan(0);
    expect(prevented('cached')).toBeGreaterThan(0);
    expect(failedChecks()).toEqual([]);
    expect(server.state.payments).toHaveLength(4);
  });

  it('counts a failure when two duplicates both run', () => {
    server = createFakeApi({ batchRace: true });
    run(scripts.concurrent, scripts.concurrent.setup(), 1, 1);
    expect(success()).toBe(0);
    expect(failure()).toBe(1);
    expect(server.state.payments).toHaveLength(2);
  });
});

describe('soak.js', () => {
  it('exports a constant-arrival-rate scenario', () => {
    expect(scripts.soak.options.scenarios.soak).toEqual({
      executor: 'constant-arrival-rate',
      rate: 2,
      timeUnit: '1s',
      duration: '1m',
      preAllocatedVUs: 2,
      maxVUs: 3,
    });
  });

  it('funds one user per possible VU for the whole run', () => {
    const data = scripts.soak.setup();
    expect(data.users).toHaveLength(3);
    expect(data.users.every((u) => u.balance >= 120 * 1000)).toBe(true);
  });

  it('mixes new payments and byte-identical replays without failures', () => {
    const data = scripts.soak.setup();
    const random = jest.spyOn(Math, 'random');
    try {
      random.mockImplementation(() => 0.25); // replay whenever there is something to replay
      run(scripts.soak, data, 1, 1); // nothing to replay yet: new payment
      run(scripts.soak, data, 1, 3); // replays
    } finally {
      random.mockRestore();
    }
    const actions = k6.recorded.samples.filter((s) => s.metric === 'idempotency_verification_success').map((s) => s.tags.action);
    expect(actions).toEqual(['new', 'replay', 'replay', 'replay']);
    expect(failure()).toBe(0);
    expect(success()).toBe(4);
    expect(prevented('cached')).toBe(3);
    expect(server.state.payments).toHaveLength(1);
  });
});

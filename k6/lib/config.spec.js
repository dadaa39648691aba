import { describe, expect, it } from '@jest/globals';
import { isLoopbackHost, parseConfig, parseDurationMs, SCHEMA } from './config.js';
import {
  arrivalRateIterationBound,
  constantArrivalRateOptions,
  exactlyOnceThresholds,
  PER_VU_DEFAULTS,
  perVuIterationsOptions,
  planCharges,
  planUsers,
} from './options.js';

/** The one variable without a default: every /api/v1 route needs a credential. */
const ENV = { API_KEY: 'po_sk_test' };

describe('parseConfig', () => {
  it('has working defaults with no environment at all', () => {
    const cfg = parseConfig(ENV);
    expect(cfg.baseUrl).toBe('http://127.0.0.1:3000');
    expect(cfg.apiBase).toBe('http://127.0.0.1:3000/api/v1');
    expect(cfg.vus).toBe(10);
    expect(cfg.iterations).toBe(20);
    expect(cfg.attempts).toBe(3);
    expect(cfg.concurrency).toBe(5);
    expect(cfg.duration).toBe('10m');
    expect(cfg.rate).toBe(20);
    expect(cfg.p95Ms).toBe(200);
    expect(cfg.p99Ms).toBe(500);
    expect(cfg.checkBalance).toBe(true);
    expect(cfg.orderAmount).toBe(1000);
    expect(parseConfig(ENV).vus).toBe(10);
  });

  it('reads variables as k6 passes them (strings) and types them', () => {
    const cfg = parseConfig({ ...ENV, BASE_URL: 'http://localhost:8080/', VUS: '3', RATE: '50', REPLAY_RATIO: '0.25', CHECK_BALANCE: 'false', DURATION: '1m30s' });
    expect(cfg.baseUrl).toBe('http://localhost:8080');
    expect(cfg.vus).toBe(3);
    expect(cfg.rate).toBe(50);
    expect(cfg.replayRatio).toBe(0.25);
    expect(cfg.checkBalance).toBe(false);
    expect(cfg.duration).toBe('1m30s');
  });

  it('treats an empty variable as unset', () => {
    expect(parseConfig({ ...ENV, VUS: '' }).vus).toBe(10);
  });

  it('lets a script change a default, and the environment still wins', () => {
    expect(parseConfig(ENV, { vus: 5 }).vus).toBe(5);
    expect(parseConfig({ ...ENV, VUS: '7' }, { vus: 5 }).vus).toBe(7);
  });

  it('lists every invalid variable in one error', () => {
    let message = '';
    try {
      parseConfig({ ...ENV, VUS: 'many', DURATION: '10 minutes', REPLAY_RATIO: '2', CHECK_BALANCE: 'maybe', BASE_URL: 'ftp://x' });
    } catch (e) {
      message = e.message;
    }
    expect(message).toMatch(/VUS must be an integer/);
    expect(message).toMatch(/DURATION must be a duration/);
    expect(message).toMatch(/REPLAY_RATIO must be between 0 and 1/);
    expect(message).toMatch(/CHECK_BALANCE must be true or false/);
    expect(message).toMatch(/BASE_URL must be an http/);
  });

  it('refuses zero VUs and a single attempt (nothing to compare)', () => {
    expect(() => parseConfig({ ...ENV, VUS: '0' })).toThrow(/VUS must be between 1/);
    expect(() => parseConfig({ ...ENV, ATTEMPTS: '1' })).toThrow(/ATTEMPTS must be between 2/);
  });

  it('refuses a non-loopback target unless ALLOW_REMOTE_TARGET is set', () => {
    expect(() => parseConfig({ ...ENV, BASE_URL: 'https://api.example.com' })).toThrow(/not a loopback address/);
    expect(parseConfig({ ...ENV, BASE_URL: 'https://api.example.com', ALLOW_REMOTE_TARGET: 'true' }).baseUrl).toBe('https://api.example.com');
    expect(parseConfig({ ...ENV, BASE_URL: 'http://[::1]:3000' }).baseUrl).toBe('http://[::1]:3000');
  });

  it('refuses MAX_VUS below PRE_ALLOCATED_VUS', () => {
    expect(() => parseConfig({ ...ENV, PRE_ALLOCATED_VUS: '20', MAX_VUS: '10' })).toThrow(/MAX_VUS/);
  });

  it('refuses to start without API_KEY, since every /api/v1 route needs one', () => {
    expect(() => parseConfig({})).toThrow(/API_KEY must be set/);
    expect(parseConfig({ API_KEY: 'po_sk_abc' }).apiKey).toBe('po_sk_abc');
  });

  it('accepts an empty API prefix', () => {
    expect(parseConfig({ ...ENV, API_PREFIX: '/' }).apiBase).toBe('http://127.0.0.1:3000');
  });

  it('documents every variable', () => {
    for (const spec of Object.values(SCHEMA)) expect(spec.help).toEqual(expect.any(String));
  });
});

describe('parseDurationMs and isLoopbackHost', () => {
  it('reads k6 durations', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('30s')).toBe(30000);
    expect(parseDurationMs('10m')).toBe(600000);
    expect(parseDurationMs('1h30m')).toBe(5400000);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('10')).toBeNaN();
    expect(parseDurationMs('ten minutes')).toBeNaN();
  });

  it('knows loopback hosts', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('127.1.2.3')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
    expect(isLoopbackHost('127.0.0.1.example.com')).toBe(false);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
  });
});

describe('options', () => {
  const cfg = parseConfig(ENV);

  it('fails the run on any failed verification and on latency/error budgets', () => {
    const t = exactlyOnceThresholds(cfg);
    expect(t.idempotency_verification_failure).toEqual(['count==0']);
    expect(t.idempotency_verification_success).toEqual(['count>0']);
    expect(t.http_req_duration).toEqual(['p(95)<200', 'p(99)<500']);
    expect(t.http_req_failed).toEqual(['rate<=0.01']);
  });

  it('takes latency budgets from the environment', () => {
    const t = exactlyOnceThresholds(parseConfig({ ...ENV, P95_MS: '50', P99_MS: '120', MAX_ERROR_RATE: '0' }));
    expect(t.http_req_duration).toEqual(['p(95)<50', 'p(99)<120']);
    expect(t.http_req_failed).toEqual(['rate<=0']);
  });

  it('builds a bounded per-vu-iterations scenario that runs 5m at most, or DURATION', () => {
    const options = perVuIterationsOptions(parseConfig(ENV, PER_VU_DEFAULTS), 'payment_process');
    expect(options.scenarios.payment_process).toEqual({ executor: 'per-vu-iterations', vus: 10, iterations: 20, maxDuration: '5m' });
    const short = perVuIterationsOptions(parseConfig({ ...ENV, DURATION: '3s', VUS: '2' }, PER_VU_DEFAULTS), 'payment_process');
    expect(short.scenarios.payment_process).toEqual({ executor: 'per-vu-iterations', vus: 2, iterations: 20, maxDuration: '3s' });
    expect(options.setupTimeout).toBe('2m');
  });

  it('builds a constant-arrival-rate scenario', () => {
    const options = constantArrivalRateOptions(cfg, 'soak');
    expect(options.scenarios.soak).toEqual({
      executor: 'constant-arrival-rate',
      rate: 20,
      timeUnit: '1s',
      duration: '10m',
      preAllocatedVUs: 10,
      maxVUs: 50,
    });
    expect(arrivalRateIterationBound(cfg)).toBe(12000);
  });

  it('merges script-specific options', () => {
    expect(perVuIterationsOptions(cfg, 'x', { batchPerHost: 8 }).batchPerHost).toBe(8);
  });

  it('gives each VU its own user and funds it for all its iterations', () => {
    expect(planUsers(cfg, 10, 20)).toEqual({ count: 10, exclusive: true, balancePerUser: 20 * 1000 });
  });

  it('shares users when USERS is lower than the VUs, and funds each for every VU', () => {
    const plan = planUsers(parseConfig({ ...ENV, USERS: '3' }), 10, 20);
    expect(plan).toEqual({ count: 3, exclusive: false, balancePerUser: 4 * 20 * 1000 });
  });

  it('splits charges into chunks', () => {
    expect(planCharges(25, 10)).toEqual([10, 10, 5]);
    expect(planCharges(10, 10)).toEqual([10]);
    expect(planCharges(0, 10)).toEqual([]);
  });
});

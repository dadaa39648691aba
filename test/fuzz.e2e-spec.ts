import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createOrder, createUser, type OrderBody, type UserBody } from './factories/index.js';
import { expectErrorBody } from './setup/contract.js';
import { startTestApp, type TestAccount, type TestApp } from './setup/test-app.js';

/**
 * Property-based fuzzing of every route with real requests against the real database.
 * Replay a failure with the seed it prints: FUZZ_SEED=<seed> npm run test:e2e -- test/fuzz.e2e-spec.ts
 * (FUZZ_RUNS=<n> runs more or fewer requests).
 */
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const numRuns = Number(process.env.FUZZ_RUNS ?? 400);

interface FuzzRequest {
  /** Whose credential: the account that owns the fixtures, another account, none, or a bad one. */
  caller: 'owner' | 'other account' | 'none' | 'bad';
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  contentType?: string;
  idempotencyKey?: string | string[];
  body?: string;
}

const CANONICAL_ID = /^[1-9][0-9]*$/;

describe('fuzz: any request', () => {
  let t: TestApp;
  let payer: UserBody;
  let other: UserBody;
  let poor: UserBody;
  let orders: OrderBody[];
  let otherAccount: TestAccount;

  beforeAll(async () => {
    t = await startTestApp();
    payer = await createUser(t, 10_000_000);
    other = await createUser(t, 10_000_000);
    poor = await createUser(t, 0);
    otherAccount = await t.newAccount();
    orders = [];
    for (const owner of [payer, payer, payer, payer, other, other, poor]) orders.push(await createOrder(t, owner.id));
    console.log(`fuzz seed ${seed}, ${numRuns} runs (replay: FUZZ_SEED=${seed} npm run test:e2e -- test/fuzz.e2e-spec.ts)`);
  });
  afterAll(async () => {
    await t.close();
  });

  /** Values a field may be given: right, near-right, and wrong in every JSON way. */
  const ids = () => fc.oneof(fc.constantFrom(...orders.map((o) => o.id), payer.id, other.id, poor.id), fc.integer({ min: 1, max: 10_000_000 }));
  const odd = fc.oneof(
    fc.constantFrom(0, -1, -0, 0.5, 1e300, -1e300, 2 ** 53, 2 ** 63, 1_000_000_001, true, false, null, '', '1', '0x10', [], {}, [1], { a: 1 }),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.string({ maxLength: 8 }),
  );
  const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), surrogate), maxLength: 20 }),
    fc.constantFrom('❤️'.repeat(60), '😀'.repeat(100), '😀'.repeat(101), 'a\u0000b', '\ud800', 'x'.repeat(201), '김민지', ' ', ''),
  );
  const maybe = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: odd as fc.Arbitrary<unknown> });
  const item = fc.record({ name: maybe(text), unitPrice: maybe(fc.integer({ min: 0, max: 10_000 })), quantity: maybe(fc.integer({ min: 1, max: 5 })) });
  const unknownKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'totalAmount', 'amount', 'admin', 'id');

  /** A body as JSON text: a valid-looking object (sometimes with an unknown key), any JSON, deep nesting, or not JSON at all. */
  const bodyFor = (fields: fc.Arbitrary<Record<string, unknown>>) =>
    fc.oneof(
      { weight: 6, arbitrary: fields.map((b) => JSON.stringify(b)) },
      {
        weight: 2,
        arbitrary: fc.tuple(fields, unknownKey, fc.jsonValue({ maxDepth: 2 }), fc.boolean()).map(([b, key, value, nested]) => {
          // Computed keys make an own `__proto__` property, so JSON.stringify writes it.
          const withKey = nested && Array.isArray(b.items) && b.items.length > 0 ? { ...b, items: [{ ...(b.items[0] as object), [key]: value }] } : { ...b, [key]: value };
          return JSON.stringify(withKey);
        }),
      },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.integer({ min: 20, max: 3000 }).map((depth) => `{"items":${'['.repeat(depth)}${']'.repeat(depth)}}`) },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    );

  const pathId = () =>
    fc.oneof(
      { weight: 4, arbitrary: ids().map(String) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(ids(), fc.constantFrom('0{}', '+{}', '{}.0', '%20{}', '{}e0', '-{}', '%3{}', '{}%00', '0x{}'))
          .map(([id, shape]) => shape.replace('{}', String(id))),
      },
      { weight: 1, arbitrary: fc.constantFrom('0', '9007199254740992', '99999999999999999999', '%E0%A4%A', '1'.repeat(120), 'abc', '%31') },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map(encodeURIComponent) },
    );

  /** Header values Node's client will send: visible ASCII, tab, and Latin-1 bytes. */
  const headerValue = fc.string({ unit: fc.constantFrom(...'\t !"#$%&\'()*+,-./0123456789:;<=>?@AZaz[\\]^_`{|}~\x80\xe9\xff'.split('')), maxLength: 20 });
  const idempotencyKey = fc.option(
    fc.oneof(
      { weight: 4, arbitrary: fc.uuid() },
      { weight: 2, arbitrary: fc.constantFrom('k1', 'k2', 'k3', '"k1"') }, // reused keys: replays and 422s
      { weight: 1, arbitrary: fc.constantFrom('', ' ', 'k'.repeat(256), 'k'.repeat(5000)) },
      { weight: 1, arbitrary: headerValue },
      { weight: 1, arbitrary: fc.tuple(fc.uuid(), fc.uuid()) },
    ),
    { nil: undefined },
  );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset="UTF-8"', 'application/json; charset=latin1',
        'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'multipart/form-data',
      ),
    },
    { weight: 1, arbitrary: headerValue },
  );

  const caller = fc.oneof(
    { weight: 12, arbitrary: fc.constant('owner' as const) },
    { weight: 1, arbitrary: fc.constantFrom('other account' as const, 'none' as const, 'bad' as const) },
  );
  const request = (): fc.Arbitrary<FuzzRequest> => fc.tuple(caller, route()).map(([who, req]) => ({ ...req, caller: who }));
  const route = (): fc.Arbitrary<Omit<FuzzRequest, 'caller'>> => {
    const post = (path: fc.Arbitrary<string>, fields: fc.Arbitrary<Record<string, unknown>>) =>
      fc.record({ method: fc.constant('POST' as const), path, contentType, idempotencyKey, body: bodyFor(fields) });
    const get = (prefix: string) => pathId().map((id) => ({ method: 'GET' as const, path: `${prefix}/${id}` }));
    return fc.oneof(
      post(fc.constant('/api/v1/users'), fc.record({ name: maybe(text) })),
      post(pathId().map((id) => `/api/v1/users/${id}/balance/charge`), fc.record({ amount: maybe(fc.integer({ min: 1, max: 100_000 })) })),
      post(fc.constant('/api/v1/orders'), fc.record({ userId: maybe(ids()), items: maybe(fc.array(maybe(item), { minLength: 1, maxLength: 3 })) })),
      {
        weight: 3,
        arbitrary: post(
          fc.constant('/api/v1/payments'),
          fc.oneof(
            // An order and its owner, as a checkout sends them, so that some payments really happen.
            fc.constantFrom(...orders).map((o) => ({ orderId: o.id, userId: o.userId })),
            fc.record({ orderId: maybe(ids()), userId: maybe(ids()) }),
          ),
        ),
      },
      get('/api/v1/users'),
      get('/api/v1/orders'),
      get('/api/v1/payments'),
      fc.constantFrom<Omit<FuzzRequest, 'caller'>>({ method: 'GET', path: '/health' }, { method: 'GET', path: '/health/live' }, { method: 'DELETE', path: '/api/v1/users/1' }),
    );
  };

  async function send(req: FuzzRequest) {
    const http = { owner: t.http, 'other account': otherAccount.http, none: t.anon, bad: () => t.as('Bearer po_sk_not-a-key') }[req.caller]();
    let call = req.method === 'GET' ? http.get(req.path) : req.method === 'DELETE' ? http.delete(req.path) : http.post(req.path);
    if (req.contentType !== undefined) call = call.set('Content-Type', req.contentType);
    // An array sends the header twice (Node writes one line per value).
    if (req.idempotencyKey !== undefined) call = call.set('Idempotency-Key', req.idempotencyKey as string);
    if (req.body !== undefined) call = call.send(req.body);
    return call.ok(() => true);
  }

  const paidOrders = async () =>
    new Set(
      (await t.query<{ id: string }>(`SELECT id FROM orders WHERE status = 'PAID' AND id IN (${orders.map(() => '?').join(',')})`, orders.map((o) => o.id))).map((r) =>
        Number(r.id),
      ),
    );
  const paymentCount = async () => Number((await t.query<{ n: string }>('SELECT COUNT(*) AS n FROM payments'))[0].n);

  /** The order a payment body names, when it names one the caller may pay (pending, theirs, affordable), asked before the request. */
  async function payableOrderNamed(req: FuzzRequest, paidBefore: Set<number>): Promise<number | null> {
    if (req.caller !== 'owner' || req.method !== 'POST' || req.path !== '/api/v1/payments' || req.body === undefined) return null;
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return null;
    }
    const { orderId, userId } = (body ?? {}) as { orderId?: unknown; userId?: unknown };
    const order = orders.find((o) => o.id === orderId);
    if (!order || order.userId !== userId || paidBefore.has(order.id)) return null;
    // Balances move during the run (the fuzz charges them too).
    const [owner] = await t.query<{ balance: string }>('SELECT balance FROM users WHERE id = ?', [order.userId]);
    return Number(owner.balance) >= order.totalAmount ? order.id : null;
  }

  const statuses = new Map<string, number>();
  afterAll(() => {
    console.log(`fuzz answers by route and status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  });

  it(`answers ${numRuns} generated requests without a 5xx, in the contract shape, paying only payable orders named by their owner`, async () => {
    await fc.assert(
      fc.asyncProperty(request(), async (req) => {
        const paidBefore = await paidOrders();
        const paymentsBefore = await paymentCount();
        const payable = await payableOrderNamed(req, paidBefore);
        const res = await send(req);
        const route = `${req.method} ${req.path.replace(/\/api\/v1\/(\w+)\/[^/]+/, '/api/v1/$1/:id')}`;
        statuses.set(`${route} ${res.status}`, (statuses.get(`${route} ${res.status}`) ?? 0) + 1);

        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expectErrorBody(res.body, res.status);
        // A record read by id is the record the id names, written canonically.
        if (req.method === 'GET' && res.status === 200 && req.path.startsWith('/api/v1/')) {
          const idText = decodeURIComponent(req.path.slice(req.path.lastIndexOf('/') + 1));
          expect(idText).toMatch(CANONICAL_ID);
          expect(res.body.id).toBe(Number(idText));
        }

        const newlyPaid = [...(await paidOrders())].filter((id) => !paidBefore.has(id));
        const newPayments = (await paymentCount()) - paymentsBefore;
        expect(newPayments).toBe(newlyPaid.length);
        if (payable === null) expect(newlyPaid).toEqual([]);
        else expect(newlyPaid.filter((id) => id !== payable)).toEqual([]);
        if (newPayments > 0) expect(res.status).toBe(200);
      }),
      { seed, numRuns, endOnFailure: false },
    );
  }, 300_000);
});

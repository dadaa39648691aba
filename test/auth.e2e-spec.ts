import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ApiKeyService } from '../src/auth/api-key.service.js';
import { UserTokenService } from '../src/auth/user-token.service.js';
import { createOrder, createUser, json, ledgerOf, newKey, pay, type OrderBody, type UserBody } from './factories/index.js';
import { startTestApp, type Client, type TestAccount, type TestApp } from './setup/test-app.js';

type Who = 'none' | 'malformed' | 'unknown' | 'revoked' | 'expired' | 'apiKey' | 'ownToken' | 'otherUserToken' | 'otherAccountKey';
const REFUSED: Who[] = ['none', 'malformed', 'unknown', 'revoked', 'expired'];
const ITEMS = [{ name: 'coffee', unitPrice: 1000, quantity: 1 }];

describe('who may do what', () => {
  let t: TestApp;
  let other: TestAccount;
  let user: UserBody;
  let neighbour: UserBody;
  let order: OrderBody;
  let paymentId: number;
  const clients = {} as Record<Who, Client>;

  beforeAll(async () => {
    t = await startTestApp();
    other = await t.newAccount();
    user = await createUser(t, 1_000_000);
    neighbour = await createUser(t, 1_000_000);
    order = await createOrder(t, user.id, ITEMS);
    const paid = await createOrder(t, user.id, ITEMS);
    paymentId = json((await pay(t, newKey(), { orderId: paid.id, userId: user.id }).expect(200)).body).id as number;

    const apiKeys = t.app.get(ApiKeyService);
    const revoked = await apiKeys.create(`revoked-${newKey()}`);
    await apiKeys.revoke(revoked.prefix);
    const expired = await t.app.get(UserTokenService).mint(t.account.accountId, user.id, new Date(Date.now() - 3_600_000));
    Object.assign(clients, {
      none: t.anon(),
      malformed: t.as(`Basic ${t.account.apiKey}`),
      unknown: t.as('Bearer po_sk_' + 'x'.repeat(43)),
      revoked: t.as(`Bearer ${revoked.key}`),
      expired: t.as(`Bearer ${expired.token}`),
      apiKey: t.http(),
      ownToken: t.as(`Bearer ${await t.userToken(t.account.accountId, user.id)}`),
      otherUserToken: t.as(`Bearer ${await t.userToken(t.account.accountId, neighbour.id)}`),
      otherAccountKey: other.http(),
    });
  });
  afterAll(async () => {
    await t.close();
  });

  // What each credential gets on each route; every credential in REFUSED gets 401.
  const matrix: { route: string; send: (c: Client) => Promise<{ status: number; body: unknown; headers: Record<string, string> }>; expect: Partial<Record<Who, number>> }[] = [
    { route: 'POST /users', send: (c) => c.post('/api/v1/users').send({ name: 'matrix' }), expect: { apiKey: 201, ownToken: 403, otherUserToken: 403, otherAccountKey: 201 } },
    { route: 'GET /users/:id', send: (c) => c.get(`/api/v1/users/${user.id}`), expect: { apiKey: 200, ownToken: 200, otherUserToken: 404, otherAccountKey: 404 } },
    {
      route: 'POST /users/:id/balance/charge',
      send: (c) => c.post(`/api/v1/users/${user.id}/balance/charge`).send({ amount: 1 }),
      expect: { apiKey: 200, ownToken: 403, otherUserToken: 403, otherAccountKey: 404 },
    },
    { route: 'POST /users/:id/tokens', send: (c) => c.post(`/api/v1/users/${user.id}/tokens`), expect: { apiKey: 201, ownToken: 403, otherUserToken: 403, otherAccountKey: 404 } },
    { route: 'POST /orders', send: (c) => c.post('/api/v1/orders').send({ userId: user.id, items: ITEMS }), expect: { apiKey: 201, ownToken: 201, otherUserToken: 404, otherAccountKey: 404 } },
    { route: 'GET /orders/:id', send: (c) => c.get(`/api/v1/orders/${order.id}`), expect: { apiKey: 200, ownToken: 200, otherUserToken: 404, otherAccountKey: 404 } },
    {
      route: 'POST /payments',
      send: async (c) => {
        const fresh = await createOrder(t, user.id, ITEMS);
        const res = await pay(t, newKey(), { orderId: fresh.id, userId: user.id }, c);
        return { status: res.status, body: json(res.body), headers: res.headers };
      },
      expect: { apiKey: 200, ownToken: 200, otherUserToken: 404, otherAccountKey: 404 },
    },
    { route: 'GET /payments/:id', send: (c) => c.get(`/api/v1/payments/${paymentId}`), expect: { apiKey: 200, ownToken: 200, otherUserToken: 404, otherAccountKey: 404 } },
  ];
  const cases = matrix.flatMap(({ route, send, expect: allowed }) =>
    (Object.keys({ ...Object.fromEntries(REFUSED.map((w) => [w, 401])), ...allowed }) as Who[]).map((who) => ({ route, who, send, status: allowed[who] ?? 401 })),
  );

  it.each(cases)('$route with $who: $status', async ({ who, send, status }) => {
    const res = await send(clients[who]);
    expect(res.status).toBe(status);
    if (status < 400) return;
    const body = res.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['code', 'error', 'message', 'statusCode']);
    expect(body.statusCode).toBe(status);
    if (status === 401) {
      expect(body.code).toBe('UNAUTHENTICATED');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="payonce"/);
      // Nothing of the credential comes back.
      expect(JSON.stringify(body)).not.toMatch(/po_sk_|eyJ/);
    }
    if (status === 403) expect(body.code).toBe('FORBIDDEN');
    if (status === 404) expect(body.code).toMatch(/^(USER|ORDER|PAYMENT)_NOT_FOUND$/);
  });

  it('wrote only what the allowed requests asked for', async () => {
    // The matrix's successful payments (API key, own token) plus the one made in beforeAll; its one allowed charge of 1 won.
    const ledger = await ledgerOf(t, user.id);
    expect(ledger.payments).toBe(3);
    expect(ledger.balance).toBe(1_000_000 + 1 - 3 * 1000);
    const [charges] = await t.query<{ n: string }>('SELECT COUNT(*) AS n FROM balance_charges WHERE user_id = ?', [user.id]);
    expect(Number(charges.n)).toBe(2);
    expect(await ledgerOf(t, neighbour.id)).toEqual({ balance: 1_000_000, payments: 0, paid: 0 });
  });

  it("answers another account's record exactly like an id that does not exist", async () => {
    const missing = 9_000_000_000 + user.id;
    const foreign = await other.http().get(`/api/v1/users/${user.id}`).expect(404);
    const absent = await other.http().get(`/api/v1/users/${missing}`).expect(404);
    expect(foreign.body.message.replace(String(user.id), 'N')).toBe(absent.body.message.replace(String(missing), 'N'));
    expect(Object.keys(foreign.headers).sort()).toEqual(Object.keys(absent.headers).sort());
  });

  it("keeps a user token away from other users' orders, and from acting as another user", async () => {
    const token = clients.ownToken;
    const theirs = await createOrder(t, neighbour.id, ITEMS);
    const stranger = await pay(t, newKey(), { orderId: theirs.id, userId: neighbour.id }, token).expect(404);
    expect(json(stranger.body).code).toBe('ORDER_NOT_FOUND');
    const mine = await createOrder(t, user.id, ITEMS, token);
    const asNeighbour = await pay(t, newKey(), { orderId: mine.id, userId: neighbour.id }, token).expect(403);
    expect(json(asNeighbour.body).code).toBe('ORDER_NOT_OWNED');
    const orders = await t.query<{ status: string }>('SELECT status FROM orders WHERE id IN (?, ?)', [theirs.id, mine.id]);
    expect(orders.map((o) => o.status)).toEqual(['PENDING', 'PENDING']);
    await token.post('/api/v1/orders').send({ userId: neighbour.id, items: ITEMS }).expect(404);
  });

  it('mints a user token that lasts USER_TOKEN_TTL_SECONDS and works for its user only', async () => {
    const res = await t.http().post(`/api/v1/users/${user.id}/tokens`).expect(201);
    expect(Object.keys(res.body).sort()).toEqual(['expiresAt', 'token']);
    const lifetime = Date.parse(res.body.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(14 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(15 * 60_000);
    const browser = t.as(`Bearer ${res.body.token}`);
    expect((await browser.get(`/api/v1/users/${user.id}`).expect(200)).body.id).toBe(user.id);
    await browser.get(`/api/v1/users/${neighbour.id}`).expect(404);
  });

  it('stops accepting a revoked key that was in use within AUTH_API_KEY_CACHE_MS', async () => {
    const apiKeys = t.app.get(ApiKeyService);
    const created = await apiKeys.create(`rotating-${newKey()}`);
    const client = t.as(`Bearer ${created.key}`);
    await client.post('/api/v1/users').send({ name: 'before revocation' }).expect(201);
    await apiKeys.revoke(String(created.id));
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.AUTH_API_KEY_CACHE_MS) + 50));
    const res = await client.post('/api/v1/users').send({ name: 'after revocation' }).expect(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
    expect(await t.query('SELECT id FROM users WHERE name = ?', ['after revocation'])).toHaveLength(0);
  });

  it('lets an account hold several keys that see the same records (rotation)', async () => {
    const second = await t.app.get(ApiKeyService).create((await t.query<{ name: string }>('SELECT name FROM accounts WHERE id = ?', [t.account.accountId]))[0].name);
    expect(second.accountId).toBe(t.account.accountId);
    expect(second.accountCreated).toBe(false);
    await t.as(`Bearer ${second.key}`).get(`/api/v1/orders/${order.id}`).expect(200);
  });

  it('keeps health, metrics and the API documents open', async () => {
    await t.anon().get('/health').expect(200);
    await t.anon().get('/health/live').expect(200);
    await t.anon().get('/metrics').expect(200);
    await t.anon().get('/docs').expect(200);
    const doc = (await t.anon().get('/docs-json').expect(200)).body;
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, operations] of Object.entries<Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>(doc.paths)) {
      for (const operation of Object.values(operations)) {
        if (path.startsWith('/health') || path === '/metrics') expect(operation.security).toEqual([]); // public, said explicitly
        else {
          expect(operation.security).toEqual([{ bearer: [] }]);
          expect(operation.responses).toHaveProperty('401');
        }
      }
    }
  });

  it('lets a browser on another origin send Authorization', async () => {
    const preflight = await t
      .anon()
      .options('/api/v1/payments')
      .set('Origin', 'https://shop.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/i);
  });
});

describe('idempotency keys belong to their caller', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('gives two accounts sending the same key at the same moment a payment each', async () => {
    const other = await t.newAccount();
    const [mine, theirs] = [await createUser(t, 50_000), await createUser(t, 50_000, other.http())];
    const [myOrder, theirOrder] = [await createOrder(t, mine.id), await createOrder(t, theirs.id, undefined, other.http())];
    const key = newKey();
    const [a, b] = await Promise.all([
      pay(t, key, { orderId: myOrder.id, userId: mine.id }),
      pay(t, key, { orderId: theirOrder.id, userId: theirs.id }, other.http()),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.headers['idempotent-replayed'], b.headers['idempotent-replayed']]).toEqual([undefined, undefined]);
    expect(json(a.body).orderId).toBe(myOrder.id);
    expect(json(b.body).orderId).toBe(theirOrder.id);
    expect(await ledgerOf(t, mine.id)).toMatchObject({ payments: 1, balance: 41_000 });
    expect(await ledgerOf(t, theirs.id)).toMatchObject({ payments: 1, balance: 41_000 });
  });

  it('keeps an API key and a user token of one account apart, and one user token from another', async () => {
    const [u1, u2] = [await createUser(t, 50_000), await createUser(t, 50_000)];
    const token1 = t.as(`Bearer ${await t.userToken(t.account.accountId, u1.id)}`);
    const token2 = t.as(`Bearer ${await t.userToken(t.account.accountId, u2.id)}`);
    const key = newKey();
    const viaKey = await pay(t, key, { orderId: (await createOrder(t, u1.id)).id, userId: u1.id }).expect(200);
    // Different bodies under the same key string: never 422, never a replay, because the callers differ.
    const viaToken1 = await pay(t, key, { orderId: (await createOrder(t, u1.id)).id, userId: u1.id }, token1).expect(200);
    const viaToken2 = await pay(t, key, { orderId: (await createOrder(t, u2.id)).id, userId: u2.id }, token2).expect(200);
    for (const res of [viaKey, viaToken1, viaToken2]) expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(new Set([viaKey, viaToken1, viaToken2].map((r) => json(r.body).id)).size).toBe(3);
    // And each caller's own retry replays its own answer.
    const again = await pay(t, key, { orderId: json(viaToken1.body).orderId as number, userId: u1.id }, token1).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(Buffer.compare(again.body, viaToken1.body)).toBe(0);
  });

  it('resolves many callers firing the same key strings at once among themselves only', async () => {
    const accounts = [t.account, await t.newAccount(), await t.newAccount()];
    const callers: { client: Client; userId: number }[] = [];
    for (const account of accounts) {
      const owner = await createUser(t, 1_000_000, account.http());
      callers.push({ client: account.http(), userId: owner.id });
      const tokenUser = await createUser(t, 1_000_000, account.http());
      callers.push({ client: t.as(`Bearer ${await t.userToken(account.accountId, tokenUser.id)}`), userId: tokenUser.id });
    }
    const keys = [newKey(), newKey(), newKey()];
    // Each caller has an order per key string; five copies of each request fly at once.
    const plans = [];
    for (const caller of callers) {
      for (const key of keys) {
        const target = await createOrder(t, caller.userId, ITEMS, caller.client);
        plans.push({ caller, key, orderId: target.id });
      }
    }
    const answers = await Promise.all(
      plans.flatMap((plan) => Array.from({ length: 5 }, () => pay(t, plan.key, { orderId: plan.orderId, userId: plan.caller.userId }, plan.caller.client).then((res) => ({ plan, res })))),
    );

    for (const plan of plans) {
      const own = answers.filter((a) => a.plan === plan).map((a) => a.res);
      expect(own.every((res) => res.status === 200 || (res.status === 409 && json(res.body).code === 'IDEMPOTENCY_KEY_IN_PROGRESS'))).toBe(true);
      const paid = own.filter((res) => res.status === 200);
      expect(paid.filter((res) => res.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
      // Every 200 carries this caller's own payment, byte for byte.
      for (const res of paid) expect(Buffer.compare(res.body, paid[0].body)).toBe(0);
      expect(json(paid[0].body).orderId).toBe(plan.orderId);
    }
    const orderIds = plans.map((p) => p.orderId);
    const rows = await t.query<{ order_id: string; n: string }>('SELECT order_id, COUNT(*) AS n FROM payments WHERE order_id IN (?) GROUP BY order_id', [orderIds]);
    expect(rows).toHaveLength(plans.length);
    expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    const [keyRows] = await t.query<{ n: string; scopes: string }>(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT account_id, scope_user_id) AS scopes FROM idempotency_keys WHERE idempotency_key IN (?) AND status = 'COMPLETED'`,
      [keys],
    );
    expect(Number(keyRows.n)).toBe(callers.length * keys.length);
    expect(Number(keyRows.scopes)).toBe(callers.length);
  });
});

describe('npm run apikey:create / apikey:revoke', () => {
  const cli = 'dist/cli/apikey.js';
  let t: TestApp;
  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: npm test builds it first (npm run build)`);
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const run = (...args: string[]) => execFileSync(process.execPath, [cli, ...args], { env: process.env, encoding: 'utf8' });

  it('prints a working key alone on the last line, and revokes it by prefix', async () => {
    const account = `cli-${newKey()}`;
    const lines = run('create', account).trim().split('\n');
    const key = lines[lines.length - 1];
    expect(key).toMatch(/^po_sk_[A-Za-z0-9_-]{43}$/);
    const [stored] = await t.query<{ key_hash: string; prefix: string }>(
      'SELECT k.key_hash, k.prefix FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE a.name = ?',
      [account],
    );
    expect(stored.key_hash).not.toContain(key.slice(6));
    expect(key.startsWith(stored.prefix)).toBe(true);
    const client = t.as(`Bearer ${key}`);
    const created = await client.post('/api/v1/users').send({ name: 'from the cli key' }).expect(201);

    expect(run('revoke', stored.prefix)).toContain(`revoked API key ${stored.prefix}`);
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.AUTH_API_KEY_CACHE_MS) + 50));
    await client.get(`/api/v1/users/${created.body.id}`).expect(401);
    expect(() => run('revoke', stored.prefix)).toThrow();
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createOrder, createUser, newKey, type UserBody } from './factories/index.js';
import { expectErrorBody, rowCounts } from './setup/contract.js';
import { rawRequest } from './setup/raw-http.js';
import { startTestApp, type TestApp } from './setup/test-app.js';

/** Bad input of every kind gets a 4xx in the contract's shape, never a 500 or another record, and writes nothing. */
describe('bad input', () => {
  let t: TestApp;
  let user: UserBody;
  let before: Awaited<ReturnType<typeof rowCounts>>;
  beforeAll(async () => {
    t = await startTestApp();
    user = await createUser(t, 100_000);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    before = await rowCounts(t);
  });
  const expectNothingWritten = async () => expect(await rowCounts(t)).toEqual(before);

  /** A JSON text (not an object) sent as it is. */
  const postText = (path: string, text: string | Buffer, type = 'application/json') =>
    t.http().post(path).set('Content-Type', type).set('Idempotency-Key', newKey()).send(text);

  describe('ids in the path', () => {
    const notCanonical = (id: number) => [
      `0${id}`, `+${id}`, `${id}.0`, `%20${id}`, `${id}%20`, `${id}e0`, `0x${id.toString(16)}`, `-${id}`, '0', '-0',
      '9007199254740992', '1234567890123456789', '99999999999999999999', `${id}abc`, `%2B${id}`, `${id}%00`,
    ];

    it('answers 400 to every id that is not canonical decimal, on every route with an id, and never another record', async () => {
      const order = await createOrder(t, user.id);
      for (const id of notCanonical(user.id)) {
        for (const res of [
          await t.http().get(`/api/v1/users/${id}`),
          await t.http().get(`/api/v1/orders/${id}`),
          await t.http().get(`/api/v1/payments/${id}`),
          await t.http().post(`/api/v1/users/${id}/balance/charge`).send({ amount: 1 }),
        ]) {
          expect([id, res.status]).toEqual([id, 400]);
          expectErrorBody(res.body, 400, 'VALIDATION_FAILED');
          expect(res.body.message).toMatch(/^id must be a positive integer in canonical decimal/);
        }
      }
      expect((await t.http().get(`/api/v1/orders/0${order.id}`)).status).toBe(400);
      expect((await t.http().get(`/api/v1/users/${user.id}`)).body.balance).toBe(100_000);
    });

    it('reads percent-encoded digits as the digits (RFC 3986 makes them the same URI)', async () => {
      const encoded = [...String(user.id)].map((digit) => `%3${digit}`).join('');
      const res = await t.http().get(`/api/v1/users/${encoded}`).expect(200);
      expect(res.body.id).toBe(user.id);
    });

    it('answers a bad percent-encoding and an over-long id in the contract shape', async () => {
      const bad = await t.http().get('/api/v1/users/%E0%A4%A');
      expectErrorBody(bad.body, 400, 'BAD_REQUEST');
      const long = await t.http().get(`/api/v1/users/${'1'.repeat(200)}`);
      expectErrorBody(long.body, 414, 'URI_TOO_LONG');
    });
  });

  describe('text', () => {
    it('counts a name as the column does: 60 "❤️" are 120 characters, a 400 and not a 500', async () => {
      const res = await t.http().post('/api/v1/users').send({ name: '❤️'.repeat(60) });
      expectErrorBody(res.body, 400, 'VALIDATION_FAILED');
      expect(res.body.message).toBe('name must be at most 100 characters');
      const item = await t.http().post('/api/v1/orders').send({ userId: user.id, items: [{ name: '❤️'.repeat(101), unitPrice: 1, quantity: 1 }] });
      expectErrorBody(item.body, 400, 'VALIDATION_FAILED');
      expect(item.body.message).toBe('items.0.name must be at most 200 characters');
      await expectNothingWritten();
    });

    it.each([
      ['50 hearts (100 code points)', '❤️'.repeat(50)],
      ['100 astral emoji', '😀'.repeat(100)],
      ['a family joined by ZWJ', '👩‍👩‍👧'],
      ['Korean', '김민지'],
      ['combining marks, not normalized', 'e\u0301 é'],
      ['spaces around', '  padded  '],
      ['quotes, backslash and markup', `O'Brien "x" \\ </script><b>`],
      ['a byte-order mark and a non-character', '\ufeffa\uffff'],
    ])('stores and echoes %s unchanged', async (_label, name) => {
      const created = await t.http().post('/api/v1/users').send({ name }).expect(201);
      expect(created.body.name).toBe(name);
      expect((await t.http().get(`/api/v1/users/${created.body.id}`).expect(200)).body.name).toBe(name);
      const order = await t.http().post('/api/v1/orders').send({ userId: created.body.id, items: [{ name, unitPrice: 1, quantity: 1 }] }).expect(201);
      expect((await t.http().get(`/api/v1/orders/${order.body.id}`).expect(200)).body.items[0].name).toBe(name);
    });

    it.each([
      ['a lone high surrogate', '"\\ud800"'],
      ['a lone low surrogate', '"a\\udc00"'],
      ['NUL', '"a\\u0000b"'],
      ['a newline', '"a\\nb"'],
      ['a tab', '"a\\tb"'],
      ['DEL', '"a\\u007f"'],
      ['a C1 control', '"a\\u0085"'],
      ['an empty string', '""'],
    ])('refuses a name with %s, for users and order items', async (_label, jsonString) => {
      const res = await postText('/api/v1/users', `{"name":${jsonString}}`);
      expectErrorBody(res.body, 400, 'VALIDATION_FAILED');
      expect(res.body.message).toMatch(/^name /);
      const item = await postText('/api/v1/orders', `{"userId":${user.id},"items":[{"name":${jsonString},"unitPrice":1,"quantity":1}]}`);
      expectErrorBody(item.body, 400, 'VALIDATION_FAILED');
      expect(item.body.message).toMatch(/^items\.0\.name /);
      await expectNothingWritten();
    });
  });

  describe('structure and types', () => {
    const routes = () => [
      { path: '/api/v1/users', good: { name: 'kim' } },
      { path: `/api/v1/users/${user.id}/balance/charge`, good: { amount: 100 } },
      { path: '/api/v1/orders', good: { userId: user.id, items: [{ name: 'tea', unitPrice: 100, quantity: 1 }] } },
      { path: '/api/v1/payments', good: { orderId: 1, userId: user.id } },
    ];

    it('refuses 2,000 levels of nesting on every route with a body, before anything recurses on it', async () => {
      const deep = '['.repeat(2000) + ']'.repeat(2000);
      for (const { path } of routes()) {
        for (const text of [deep, `{"name":"a","x":${deep}}`, `{"items":[${deep}]}`]) {
          const res = await postText(path, text);
          expectErrorBody(res.body, 400, 'INVALID_JSON');
          expect(res.body.message).toBe('The request body nests deeper than 32 levels');
        }
      }
      await expectNothingWritten();
    });

    it.each([
      ['items: [[]]', { items: [[]] }, 'each value in items must be an object'],
      ['items: [null]', { items: [null] }, 'items'],
      ['items: [1]', { items: [1] }, 'items'],
      ['items: ["tea"]', { items: ['tea'] }, 'items'],
      ['items: {}', { items: {} }, 'items must be an array'],
      ['items: null', { items: null }, 'items'],
      ['items: []', { items: [] }, 'items must contain at least 1 elements'],
      ['101 items', { items: Array(101).fill({ name: 'a', unitPrice: 1, quantity: 1 }) }, 'items must contain no more than 100 elements'],
      ['unitPrice: "100"', { items: [{ name: 'a', unitPrice: '100', quantity: 1 }] }, 'items.0.unitPrice must be an integer number'],
      ['unitPrice: -1', { items: [{ name: 'a', unitPrice: -1, quantity: 1 }] }, 'items.0.unitPrice must not be less than 0'],
      ['unitPrice: 0.5', { items: [{ name: 'a', unitPrice: 0.5, quantity: 1 }] }, 'items.0.unitPrice must be an integer number'],
      ['unitPrice: 1e300', { items: [{ name: 'a', unitPrice: 1e300, quantity: 1 }] }, 'items.0.unitPrice must not be greater than'],
      ['quantity: true', { items: [{ name: 'a', unitPrice: 1, quantity: true }] }, 'items.0.quantity must be an integer number'],
      ['quantity: null', { items: [{ name: 'a', unitPrice: 1, quantity: null }] }, 'items.0.quantity'],
      ['quantity: 0', { items: [{ name: 'a', unitPrice: 1, quantity: 0 }] }, 'items.0.quantity must not be less than 1'],
      ['a missing name', { items: [{ unitPrice: 1, quantity: 1 }] }, 'items.0.name must be a string'],
      ['name: 42', { items: [{ name: 42, unitPrice: 1, quantity: 1 }] }, 'items.0.name must be a string'],
      ['userId: "1"', { userId: '1' }, 'userId must be an integer number'],
      ['userId: 1.5', { userId: 1.5 }, 'userId must be an integer number'],
      ['userId: 0', { userId: 0 }, 'userId must not be less than 1'],
      ['userId: 2^53', { userId: 2 ** 53 }, 'userId must not be greater than'],
      ['userId: null', { userId: null }, 'userId'],
      ['userId: [1]', { userId: [1] }, 'userId must be an integer number'],
    ])('refuses an order with %s, naming the field', async (_label, change, message) => {
      const body = { userId: user.id, items: [{ name: 'tea', unitPrice: 100, quantity: 1 }], ...change };
      const res = await t.http().post('/api/v1/orders').set('Idempotency-Key', newKey()).send(body);
      expectErrorBody(res.body, 400, 'VALIDATION_FAILED');
      expect(res.body.message).toContain(message);
      await expectNothingWritten();
    });

    it.each([0, -1, 1.5, '100', true, null, [100], { value: 100 }, 1e300, 1_000_000_001, 2 ** 53])(
      'refuses a charge of %j and moves no money',
      async (amount) => {
        const res = await t.http().post(`/api/v1/users/${user.id}/balance/charge`).set('Idempotency-Key', newKey()).send({ amount });
        expectErrorBody(res.body, 400, 'VALIDATION_FAILED');
        expect(res.body.message).toMatch(/^amount /);
        await expectNothingWritten();
      },
    );

    it.each([0, -1, 1.5, '1', true, null, [1], {}, 2 ** 53, 1e300])('refuses a payment whose orderId or userId is %j', async (value) => {
      const order = await createOrder(t, user.id);
      before = await rowCounts(t);
      for (const body of [{ orderId: value, userId: user.id }, { orderId: order.id, userId: value }]) {
        const res = await t.http().post('/api/v1/payments').set('Idempotency-Key', newKey()).send(body);
        expectErrorBody(res.body, 400, 'VALIDATION_FAILED');
      }
      await expectNothingWritten();
      expect((await t.http().get(`/api/v1/orders/${order.id}`)).body.status).toBe('PENDING');
    });

    it('refuses a body that is not an object on every route', async () => {
      for (const { path } of routes()) {
        for (const text of ['[]', '"kim"', '42', 'true', 'null', '[{"name":"kim"}]']) {
          const res = await postText(path, text);
          expect([path, text, res.status]).toEqual([path, text, 400]);
          expectErrorBody(res.body, 400);
        }
      }
      await expectNothingWritten();
    });
  });

  describe('unknown fields', () => {
    it.each([
      ['constructor', '{"name":"kim","constructor":1}', 'property constructor should not exist'],
      ['constructor.prototype', '{"name":"kim","constructor":{"prototype":{"admin":true}}}', 'property constructor should not exist'],
      ['__proto__', '{"name":"kim","__proto__":{"admin":true}}', 'property __proto__ should not exist'],
      ['prototype', '{"name":"kim","prototype":{}}', 'property prototype should not exist'],
      ['an escaped __proto__', '{"name":"kim","\\u005f_proto__":{}}', 'property __proto__ should not exist'],
      ['an ordinary unknown field', '{"name":"kim","admin":true}', 'property admin should not exist'],
    ])('refuses %s with 400 VALIDATION_FAILED', async (_label, text, message) => {
      const res = await postText('/api/v1/users', text);
      expectErrorBody(res.body, 400, 'VALIDATION_FAILED');
      expect(res.body.message).toBe(message);
      await expectNothingWritten();
    });

    it('refuses them at any depth, and a client-computed total', async () => {
      for (const [text, message] of [
        [`{"userId":${user.id},"items":[{"name":"a","unitPrice":1,"quantity":1,"__proto__":{"unitPrice":0}}]}`, 'property items.0.__proto__ should not exist'],
        [`{"userId":${user.id},"items":[{"name":"a","unitPrice":1,"quantity":1,"constructor":{}}]}`, 'property items.0.constructor should not exist'],
        [`{"userId":${user.id},"items":[{"name":"a","unitPrice":1,"quantity":1}],"totalAmount":0}`, 'property totalAmount should not exist'],
        [`{"userId":${user.id},"items":[{"name":"a","unitPrice":1,"quantity":1,"discount":1}]}`, 'property items.0.discount should not exist'],
      ]) {
        const res = await postText('/api/v1/orders', text);
        expectErrorBody(res.body, 400, 'VALIDATION_FAILED');
        expect(res.body.message).toBe(message);
      }
      const order = await createOrder(t, user.id);
      before = await rowCounts(t);
      const pay = await postText('/api/v1/payments', `{"orderId":${order.id},"userId":${user.id},"__proto__":{"amount":0}}`);
      expectErrorBody(pay.body, 400, 'VALIDATION_FAILED');
      await expectNothingWritten();
    });
  });

  describe('encodings', () => {
    it.each(['latin1', 'ISO-8859-1', 'utf-16', 'us-ascii'])('answers a body declared as charset=%s with 415', async (charset) => {
      const res = await postText('/api/v1/users', '{"name":"kim"}', `application/json; charset=${charset}`);
      expectErrorBody(res.body, 415, 'UNSUPPORTED_MEDIA_TYPE');
      await expectNothingWritten();
    });

    it('accepts charset=utf-8 however it is spelled', async () => {
      for (const type of ['application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json; charset="utf-8"']) {
        expect((await postText('/api/v1/users', '{"name":"kim"}', type)).status).toBe(201);
      }
    });

    it.each([
      ['latin-1 é', Buffer.from([0xe9])],
      ['a truncated sequence', Buffer.from([0xea, 0xb9])],
      ['an encoded surrogate', Buffer.from([0xed, 0xa0, 0x80])],
      ['an overlong slash', Buffer.from([0xc0, 0xaf])],
    ])('answers a body with %s (not UTF-8) with 400 INVALID_JSON instead of storing U+FFFD', async (_label, bad) => {
      const body = Buffer.concat([Buffer.from('{"name":"k'), bad, Buffer.from('m"}')]);
      const res = await rawRequest(t.baseUrl, `POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, body);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({ statusCode: 400, code: 'INVALID_JSON', message: 'The request body is not valid UTF-8', error: 'Bad Request' });
      await expectNothingWritten();
    });

    it.each([
      ['a control character in a header value', 'X-Note: a\x01b\r\n'],
      ['a space in a header name', 'X Note: a\r\n'],
      ['an invalid Content-Length', 'Content-Length: abc\r\n'],
      ['two Content-Lengths', 'Content-Length: 1\r\nContent-Length: 2\r\n'],
    ])('answers %s with 400 in the contract shape', async (_label, header) => {
      const res = await rawRequest(t.baseUrl, `GET /api/v1/users/${user.id} HTTP/1.1\r\nHost: x\r\n${header}\r\n`);
      expect(res.status).toBe(400);
      expectErrorBody(JSON.parse(res.body), 400, 'BAD_REQUEST');
    });

    it('answers a request line with a control character in the path in the contract shape', async () => {
      const res = await rawRequest(t.baseUrl, 'GET /api/v1/users/\x01 HTTP/1.1\r\nHost: x\r\n\r\n');
      expectErrorBody(JSON.parse(res.body), 400);
    });
  });

  describe('bodies over the limit', () => {
    const uploadClient = fileURLToPath(new URL('./setup/upload-client.mjs', import.meta.url));
    const upload = async (path: string, mode: 'length' | 'chunked') => {
      const { port } = new URL(t.baseUrl);
      const { stdout } = await promisify(execFile)(process.execPath, [uploadClient, port, path, String(2 * 1024 * 1024), mode, '8']);
      return JSON.parse(stdout) as { status: number; body: string; error: string | null }[];
    };

    it.each([
      ['with a Content-Length', 'length'],
      ['chunked', 'chunked'],
    ] as const)('answers a 2 MB body sent %s with its 413 every time, not a connection reset', async (_label, mode) => {
      for (const path of ['/api/v1/users', '/api/v1/payments']) {
        for (const res of await upload(path, mode)) {
          expect(res).toMatchObject({ status: 413, error: null });
          expectErrorBody(JSON.parse(res.body), 413, 'PAYLOAD_TOO_LARGE');
        }
      }
      await expectNothingWritten();
    });
  });

  describe('odd headers', () => {
    it('answers an Idempotency-Key of 10,000 characters with 400 IDEMPOTENCY_KEY_INVALID', async () => {
      const res = await t.http().post('/api/v1/payments').set('Idempotency-Key', 'k'.repeat(10_000)).send({ orderId: 1, userId: user.id });
      expectErrorBody(res.body, 400, 'IDEMPOTENCY_KEY_INVALID');
      await expectNothingWritten();
    });

    it('answers a Content-Type that is not JSON, or none, with 415', async () => {
      for (const type of ['application/jsonx', 'application/json-patch+json', 'text/json', 'multipart/form-data; boundary=x']) {
        const res = await postText('/api/v1/users', '{"name":"kim"}', type);
        expectErrorBody(res.body, 415, 'UNSUPPORTED_MEDIA_TYPE');
      }
      const none = await rawRequest(t.baseUrl, 'POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: 14\r\n\r\n{"name":"kim"}');
      expectErrorBody(JSON.parse(none.body), 415, 'UNSUPPORTED_MEDIA_TYPE');
      await expectNothingWritten();
    });

    it('answers 200 headers of 50 bytes each and one of 20 KB in the contract shape', async () => {
      const headers = { ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-h${i}`, 'v'.repeat(50)])), Authorization: `Bearer ${t.account.apiKey}` };
      const many = await fetch(`${t.baseUrl}/api/v1/users/${user.id}`, { headers });
      expect(many.status).toBe(200);
      const huge = await fetch(`${t.baseUrl}/api/v1/users/${user.id}`, { headers: { 'X-Padding': 'x'.repeat(20_000) } });
      expectErrorBody(await huge.json(), 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE');
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from './setup/test-app.js';

describe('around the API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers malformed JSON with 400 INVALID_JSON in the contract shape', async () => {
    const res = await t.http().post('/api/v1/users').set('Content-Type', 'application/json').send('{"name": "kim"').expect(400);
    expect(res.body).toEqual({ statusCode: 400, code: 'INVALID_JSON', message: 'The request body is not valid JSON', error: 'Bad Request' });
  });

  it('answers a body that is not an object with 400', async () => {
    for (const body of ['[1,2]', '"kim"', 'null', '42']) {
      const res = await t.http().post('/api/v1/users').set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expect(['VALIDATION_FAILED', 'INVALID_JSON']).toContain(res.body.code);
    }
  });

  it.each(['application/x-www-form-urlencoded', 'text/plain'])('answers a %s body with 415 and creates nothing', async (type) => {
    const name = `form-${Date.now()}`;
    const res = await t.http().post('/api/v1/users').set('Content-Type', type).send(type === 'text/plain' ? `{"name":"${name}"}` : `name=${name}`);
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', error: 'Unsupported Media Type' });
    expect(await t.query('SELECT id FROM users WHERE name = ?', [name])).toHaveLength(0);
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await t.http().post('/api/v1/users').send({ name: 'x'.repeat(70_000) }).expect(413);
    expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE', error: 'Payload Too Large' });
  });

  it('answers an unknown route with 404 in the contract shape', async () => {
    const res = await t.http().get('/api/v1/nothing-here').expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found' });
  });

  it('answers oversized headers with 431 in the contract shape', async () => {
    const res = await fetch(`${t.baseUrl}/api/v1/users/1`, { headers: { 'X-Padding': 'x'.repeat(20_000) } });
    expect(res.status).toBe(431);
    expect(await res.json()).toMatchObject({ statusCode: 431, code: 'REQUEST_HEADER_FIELDS_TOO_LARGE' });
  });

  it('gives every response a request id, and keeps a sane one the client sent', async () => {
    const generated = await t.http().get('/health');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await t.http().get('/health').set('X-Request-Id', 'checkout-123');
    expect(echoed.headers['x-request-id']).toBe('checkout-123');
    const replaced = await t.http().get('/health').set('X-Request-Id', 'bad id with spaces');
    expect(replaced.headers['x-request-id']).not.toBe('bad id with spaces');
  });

  it('lets a browser on another origin send Idempotency-Key and read Idempotent-Replayed', async () => {
    const preflight = await t
      .http()
      .options('/api/v1/payments')
      .set('Origin', 'https://shop.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,idempotency-key');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Idempotency-Key/i);
    const actual = await t.http().get('/health').set('Origin', 'https://shop.example');
    expect(actual.headers['access-control-expose-headers']).toMatch(/Idempotent-Replayed/);
  });

  it('serves Swagger UI at /docs and the OpenAPI document at /docs-json', async () => {
    const ui = await t.http().get('/docs').expect(200);
    expect(ui.text).toContain('swagger');
    const doc = await t.http().get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/users', '/api/v1/users/{id}', '/api/v1/users/{id}/balance/charge', '/api/v1/orders', '/api/v1/orders/{id}', '/health']),
    );
    expect(doc.body.paths['/api/v1/orders/{id}'].get.responses).toHaveProperty('404');
  });

  it('documents the Idempotency-Key header on every route that reads it, with every status', async () => {
    const { paths } = (await t.http().get('/docs-json').expect(200)).body;
    const keyHeader = (operation: { parameters: { in: string; name: string; required: boolean }[] }) =>
      operation.parameters.find((p) => p.in === 'header' && p.name === 'Idempotency-Key');
    expect(keyHeader(paths['/api/v1/payments'].post)).toMatchObject({ required: true });
    expect(keyHeader(paths['/api/v1/orders'].post)).toMatchObject({ required: false });
    expect(keyHeader(paths['/api/v1/users/{id}/balance/charge'].post)).toMatchObject({ required: false });
    expect(keyHeader(paths['/api/v1/users'].post)).toBeUndefined();
    expect(Object.keys(paths['/api/v1/payments'].post.responses).sort()).toEqual(['200', '400', '401', '403', '404', '409', '413', '415', '422', '500', '503']);
    // Any route may answer 503: the database gone (DATABASE_UNAVAILABLE) or the process stopping (SHUTTING_DOWN).
    expect(paths['/api/v1/users/{id}'].get.responses).toHaveProperty('503');
    const conflict = paths['/api/v1/payments'].post.responses['409'];
    expect(Object.keys(conflict.content['application/json'].examples).sort()).toEqual(['IDEMPOTENCY_KEY_IN_PROGRESS', 'ORDER_ALREADY_PAID']);
    expect(conflict.headers).toHaveProperty('Retry-After');
  });

  it('reports health 200 while the database answers', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.body.info.database.status).toBe('up');
  });
});

describe('health without a database', () => {
  it('answers 503 once the database stops answering', async () => {
    const t = await startTestApp();
    try {
      await t.app.get(DataSource).destroy();
      const res = await t.http().get('/health');
      expect(res.status).toBe(503);
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|at \w+ \(/);
      // The API fails closed with its own code, not a 500.
      const read = await t.http().get('/api/v1/users/1');
      expect(read.status).toBe(503);
      expect(read.body).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE' });
      expect(Number(read.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await t.app.close().catch(() => undefined);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { launchChromium } from './setup/browser.js';
import { startTestApp, type TestApp } from './setup/test-app.js';

interface MediaType {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { description: string; content?: Record<string, MediaType>; headers?: Record<string, unknown> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
}

/** Every (method, path) the service serves in the document, and what it reads. */
const IDEMPOTENT = { 'post /api/v1/payments': true, 'post /api/v1/orders': false, 'post /api/v1/users/{id}/balance/charge': false } as Record<string, boolean>;
/** Around the API (health, metrics): no credential. */
const isPublic = (route: string) => !route.split(' ')[1].startsWith('/api/v1/');

/** The statuses an operation can answer, from what it reads: a credential, a path id, a JSON body, an Idempotency-Key. */
function statusesOf(route: string, op: Operation): number[] {
  if (isPublic(route)) return route === 'get /health' ? [200, 503] : [200];
  const statuses = [401, 500, 503];
  if (route.includes('{id}')) statuses.push(400, 404, 414);
  if (op.requestBody) statuses.push(400, 413, 415);
  if (route in IDEMPOTENT) statuses.push(400, 409, 422);
  if (route === 'post /api/v1/payments') statuses.push(403, 404);
  return [...new Set(statuses)];
}

/** The examples of a body, whatever its media type. */
const examplesIn = (content: Record<string, MediaType> | undefined): unknown[] =>
  Object.values(content ?? {}).flatMap((media) => [...(media.example !== undefined ? [media.example] : []), ...Object.values(media.examples ?? {}).map((e) => e.value)]);

describe('the OpenAPI document and Swagger UI', () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  let operations: [string, Operation][];

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.anon().get('/docs-json').expect(200)).body as OpenApiDocument;
    operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]): [string, Operation] => [`${method} ${path}`, op]));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists every route of the API and around it, but not the checkout page', () => {
    const routes = operations.map(([route]) => route);
    expect(routes.filter((route) => route.includes('checkout'))).toEqual([]);
    expect(routes).toEqual(
      expect.arrayContaining([
        'get /api/v1/orders/{id}',
        'get /api/v1/payments/{id}',
        'get /api/v1/users/{id}',
        'get /health',
        'get /health/live',
        'post /api/v1/orders',
        'post /api/v1/payments',
        'post /api/v1/users',
        'post /api/v1/users/{id}/balance/charge',
        'post /api/v1/users/{id}/tokens',
      ]),
    );
  });

  it('declares the bearer scheme on every API operation, and no credential on the public ones', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [route, op] of operations) {
      expect([route, op.security]).toEqual([route, isPublic(route) ? [] : [{ bearer: [] }]]);
    }
  });

  it('declares every status an operation can answer, each with a description', () => {
    for (const [route, op] of operations) {
      const declared = Object.keys(op.responses).map(Number);
      for (const status of statusesOf(route, op)) expect([route, declared]).toEqual([route, expect.arrayContaining([status])]);
      for (const [status, response] of Object.entries(op.responses)) expect([route, status, response.description.length > 0]).toEqual([route, status, true]);
    }
  });

  it('gives every response and every request body an example, and every error example the contract shape', () => {
    for (const [route, op] of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        const examples = examplesIn(response.content);
        expect([route, status, examples.length > 0]).toEqual([route, status, true]);
        if (Number(status) >= 400) {
          for (const example of examples) {
            expect([route, example]).toEqual([route, { statusCode: Number(status), code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String), error: expect.any(String) }]);
          }
        }
      }
      if (op.requestBody) expect([route, examplesIn(op.requestBody.content).length > 0]).toEqual([route, true]);
    }
  });

  it('shows the Idempotency-Key header where it is read, the replay header on the answer, and Retry-After on 409 and 503', () => {
    for (const [route, required] of Object.entries(IDEMPOTENT)) {
      const [method, path] = route.split(' ');
      const op = doc.paths[path][method];
      expect([route, op.parameters?.find((p) => p.name === 'Idempotency-Key')]).toEqual([route, expect.objectContaining({ in: 'header', required })]);
      const success = Object.entries(op.responses).find(([status]) => status.startsWith('2'))![1];
      expect([route, success.headers]).toEqual([route, expect.objectContaining({ 'Idempotent-Replayed': expect.anything() })]);
      expect([route, op.responses['409'].headers]).toEqual([route, expect.objectContaining({ 'Retry-After': expect.anything() })]);
    }
    expect(doc.paths['/api/v1/users/{id}']['get'].parameters?.some((p) => p.name === 'Idempotency-Key')).toBe(false);
    expect(doc.paths['/api/v1/payments']['post'].responses['503'].headers).toHaveProperty('Retry-After');
  });

  describe('"Try it out" in headless Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    }, 600_000); // a first run may install Chromium
    afterAll(async () => {
      await browser?.close();
    });

    it('authorizes with an API key and creates a user from the example body', async () => {
      const page = await browser.newPage();
      try {
        await page.goto(`${t.baseUrl}/docs`);
        await page.click('button.authorize');
        await page.fill('.modal-ux input', t.account.apiKey);
        await page.click('.modal-ux button.modal-btn.authorize');
        await page.click('.modal-ux button.btn-done');
        await page.click('#operations-users-UserController_create .opblock-summary');
        await page.click('#operations-users-UserController_create .try-out__btn');
        await page.click('#operations-users-UserController_create .execute');
        const answer = page.locator('#operations-users-UserController_create .live-responses-table tbody tr.response').first();
        await expect(answer.locator('.response-col_status').textContent({ timeout: 30_000 })).resolves.toContain('201');
        const body = JSON.parse((await answer.locator('.response-col_description .microlight').first().textContent()) ?? '{}') as { id: number; name: string };
        expect(body.name).toBe('kim');
        const rows = await t.query<{ account_id: string; name: string }>('SELECT account_id, name FROM users WHERE id = ?', [body.id]);
        expect(rows).toEqual([{ account_id: String(t.account.accountId), name: 'kim' }]);
      } finally {
        await page.close();
      }
    });
  });
});

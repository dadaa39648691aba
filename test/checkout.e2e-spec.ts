import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { createUser, ledgerOf, type UserBody } from './factories/index.js';
import { launchChromium } from './setup/browser.js';
import { FlakyProxy } from './setup/flaky-proxy.js';
import { startTestApp, type TestApp } from './setup/test-app.js';

/** The page's cart: 2 × 4,500 + 3,800 won. */
const CART_TOTAL = 12_800;
/** Waits a busy machine can take: the page backs off and waits out Retry-After by itself. */
const PAGE_WAIT_MS = 45_000;

describe('the checkout page in headless Chromium', () => {
  let t: TestApp;
  let proxy: FlakyProxy;
  let proxyUrl: string;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    t = await startTestApp();
    proxy = new FlakyProxy(t.baseUrl);
    proxyUrl = await proxy.start();
    browser = await launchChromium();
  }, 600_000); // a first run may install Chromium
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await t?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 560, height: 820 } });
  });
  afterEach(async () => {
    await context.close();
  });

  /** A shopper with a balance, and the checkout page opened as them through the proxy (the token in the fragment). */
  async function openCheckout(balance: number): Promise<{ user: UserBody; page: Page }> {
    const user = await createUser(t, balance);
    const token = await t.userToken(t.account.accountId, user.id);
    const page = await context.newPage();
    await page.goto(`${proxyUrl}/checkout#token=${token}`);
    await page.waitForSelector('body[data-state="ready"]');
    return { user, page };
  }

  const paid = (page: Page) => page.waitForSelector('body[data-state="paid"]', { timeout: PAGE_WAIT_MS });

  async function ordersOf(userId: number): Promise<number> {
    const [row] = await t.query<{ n: string }>('SELECT COUNT(*) AS n FROM orders WHERE user_id = ?', [userId]);
    return Number(row.n);
  }

  async function expectPaidOnce(user: UserBody): Promise<void> {
    expect(await ledgerOf(t, user.id)).toEqual({ balance: user.balance - CART_TOTAL, payments: 1, paid: CART_TOTAL });
    expect(await ordersOf(user.id)).toBe(1);
  }

  it('opens as the shopper with a user token, shows the cart, and takes the token out of the address bar', async () => {
    const { user, page } = await openCheckout(50_000);
    await expect(page.textContent('#shopper')).resolves.toContain(`Paying as ${user.name}`);
    await expect(page.textContent('#cart-total')).resolves.toContain('12,800');
    expect(new URL(page.url()).hash).toBe('');
  });

  it('pays once when the shopper double-clicks, even if the button did not get disabled in time', async () => {
    const { user, page } = await openCheckout(50_000);
    proxy.reset();
    await page.dblclick('#pay');
    // A click on a button that was enabled again (a re-render, a slow device): the page ignores it while paying.
    await page.evaluate(() => {
      const pay = document.getElementById('pay') as HTMLButtonElement;
      pay.disabled = false;
      pay.click();
    });
    await paid(page);
    await expect(page.textContent('#receipt-note')).resolves.toContain('Thank you');
    await expect(page.textContent('#receipt-amount')).resolves.toContain('12,800');
    await expect(page.textContent('#receipt-balance')).resolves.toContain((user.balance - CART_TOTAL).toLocaleString('en-US'));
    expect(proxy.payments).toHaveLength(1);
    await expectPaidOnce(user);
    const screenshot = process.env.CHECKOUT_SCREENSHOT;
    if (screenshot) {
      mkdirSync(dirname(screenshot), { recursive: true });
      await page.click('#developer summary');
      const card = (await page.locator('main').boundingBox())!;
      await page.screenshot({ path: screenshot, clip: { x: card.x - 20, y: card.y - 20, width: card.width + 40, height: card.height + 40 } });
    }
  });

  it('retries a 503 and a lost answer with the same key, shows success, and the database holds one payment', async () => {
    const { user, page } = await openCheckout(50_000);
    proxy.reset('answer-503', 'drop-after-commit', 'forward');
    await page.click('#pay');
    await paid(page);
    expect(proxy.payments.map((p) => p.plan)).toEqual(['answer-503', 'drop-after-commit', 'forward']);
    const [first, lost, last] = proxy.payments;
    expect(new Set(proxy.payments.map((p) => p.key)).size).toBe(1);
    expect(first.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(lost).toMatchObject({ status: 200, replayed: false }); // the server committed it; the browser never heard
    expect(last).toMatchObject({ status: 200, replayed: true });
    await expect(page.textContent('#receipt-note')).resolves.toContain('already gone through');
    await expectPaidOnce(user);
  });

  it('waits out 409 IDEMPOTENCY_KEY_IN_PROGRESS while the first request is still running, then shows success', async () => {
    const { user, page } = await openCheckout(50_000);
    proxy.reset('drop-while-running', 'forward');
    // Hold the order's row: the first payment claims its key, commits the claim, then waits for this lock.
    const lock = t.app.get(DataSource).createQueryRunner();
    await lock.connect();
    await lock.startTransaction();
    let locked = false;
    proxy.beforePayment = async ({ orderId }) => {
      if (locked) return;
      locked = true;
      await lock.query('SELECT id FROM orders WHERE id = ? FOR UPDATE', [orderId]);
    };
    try {
      await page.click('#pay');
      await waitFor(() => proxy.payments.some((p) => p.code === 'IDEMPOTENCY_KEY_IN_PROGRESS'));
      await expect(page.textContent('#status')).resolves.toContain('being processed');
    } finally {
      await lock.commitTransaction();
      await lock.release();
    }
    await paid(page);
    const statuses = proxy.payments.map((p) => `${p.status}${p.replayed ? ' replayed' : ''}`);
    expect(statuses[0]).toBe('200'); // the first request, whose browser connection was cut, paid
    expect(statuses).toContain('409');
    expect(statuses.at(-1)).toBe('200 replayed');
    expect(new Set(proxy.payments.map((p) => p.key)).size).toBe(1);
    await expectPaidOnce(user);
  });

  it('resumes a checkout after a reload with the same key, and pays once', async () => {
    const { user, page } = await openCheckout(50_000);
    proxy.reset('hold', 'forward');
    await page.click('#pay');
    await waitFor(() => proxy.payments[0]?.status === 200); // committed on the server; the page is still waiting
    await page.reload();
    await paid(page);
    expect(proxy.payments).toHaveLength(2);
    expect(proxy.payments[1].key).toBe(proxy.payments[0].key);
    expect(proxy.payments[1]).toMatchObject({ status: 200, replayed: true });
    await expectPaidOnce(user);
  });

  it('keeps the key when the session expires mid-checkout, and a new link for the same shopper finds the payment made', async () => {
    const { user, page } = await openCheckout(50_000);
    proxy.reset('drop-after-commit', 'answer-401', 'forward');
    await page.click('#pay');
    await page.waitForSelector('body[data-state="failed"]', { timeout: PAGE_WAIT_MS });
    await expect(page.textContent('#status')).resolves.toContain('Your checkout session has expired');
    await page.goto(`${proxyUrl}/checkout#token=${await t.userToken(t.account.accountId, user.id)}`);
    await paid(page);
    expect(proxy.payments.map((p) => p.plan)).toEqual(['drop-after-commit', 'answer-401', 'forward']);
    expect(new Set(proxy.payments.map((p) => p.key)).size).toBe(1);
    expect(proxy.payments[2]).toMatchObject({ status: 200, replayed: true });
    await expectPaidOnce(user);
  });

  it('shows a short balance in words, charges nothing, and after a top-up pays the same order with a new key', async () => {
    const { user, page } = await openCheckout(1_000);
    proxy.reset();
    await page.click('#pay');
    await page.waitForSelector('body[data-state="failed"]', { timeout: PAGE_WAIT_MS });
    const status = await page.textContent('#status');
    expect(status).toContain('Your balance is not enough for this order');
    expect(status).not.toContain('INSUFFICIENT_BALANCE');
    await expect(page.isEnabled('#pay')).resolves.toBe(true);
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 1_000, payments: 0, paid: 0 });

    await page.reload(); // the failed attempt is over: a reload does not pay by itself
    await page.waitForSelector('body[data-state="ready"]');
    expect(proxy.payments).toHaveLength(1);
    await t.http().post(`/api/v1/users/${user.id}/balance/charge`).send({ amount: 49_000 }).expect(200);
    await page.click('#pay');
    await paid(page);
    expect(proxy.payments).toHaveLength(2);
    expect(proxy.payments[1].key).not.toBe(proxy.payments[0].key); // the first key's answer is the stored 422
    await expectPaidOnce({ ...user, balance: 50_000 });
  });

  it('lets a checkout on another origin send the key and the token, and read Idempotent-Replayed (CORS, in the browser)', async () => {
    const user = await createUser(t, 50_000);
    const order = (await t.http().post('/api/v1/orders').send({ userId: user.id, items: [{ name: 'tea', unitPrice: 3000, quantity: 1 }] }).expect(201)).body as { id: number };
    const token = await t.userToken(t.account.accountId, user.id);
    const page = await context.newPage();
    await page.goto(`${proxyUrl}/health/live`); // another origin than the API's: another port
    const answers = await page.evaluate(
      async ({ api, token, orderId, userId }) => {
        const key = crypto.randomUUID();
        const pay = () =>
          fetch(`${api}/api/v1/payments`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': key },
            body: JSON.stringify({ orderId, userId }),
          });
        const results = [];
        for (const res of [await pay(), await pay()]) results.push({ status: res.status, replayed: res.headers.get('Idempotent-Replayed'), body: await res.text() });
        return results;
      },
      { api: t.baseUrl, token, orderId: order.id, userId: user.id },
    );
    expect(answers.map((a) => [a.status, a.replayed])).toEqual([
      [200, null],
      [200, 'true'],
    ]);
    expect(answers[1].body).toBe(answers[0].body);
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 47_000, payments: 1, paid: 3_000 });
  });

  it('serves the page without a credential, with a policy that keeps it to its own origin', async () => {
    const res = await t.anon().get('/checkout').expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    await t.anon().get('/checkout/checkout.js').expect(200).expect('content-type', 'text/javascript; charset=utf-8');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = PAGE_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the proxy to see it');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

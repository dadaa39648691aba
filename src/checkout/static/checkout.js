// payonce's example checkout: how a browser pays exactly once. Plain JavaScript, no framework.
//
// - It authenticates with a short-lived user token (never an API key), handed over in the URL
//   fragment (#token=...), which browsers do not send to servers, so it reaches no log.
// - One checkout attempt = one Idempotency-Key (crypto.randomUUID()), kept in sessionStorage with
//   the order it pays, so a retry, a double click or a reload sends the same key and the server
//   pays at most once; the key is dropped only when the attempt has a final answer.
// - A network failure or a 5xx is retried with the same key and exponential backoff; a 409
//   IDEMPOTENCY_KEY_IN_PROGRESS is waited out per Retry-After; a replayed answer
//   (Idempotent-Replayed: true) is the first answer again, shown like any other.

const API = '/api/v1';
const STORE = { token: 'payonce.checkout.token', attempt: 'payonce.checkout.attempt', receipt: 'payonce.checkout.receipt' };
const CART = [
  { name: 'Americano', unitPrice: 4500, quantity: 2 },
  { name: 'Butter croissant', unitPrice: 3800, quantity: 1 },
];
/** Network failures and 5xx: this many tries in a row, waiting 0.5 s, 1 s, 2 s, ... (at most 8 s) between them. */
const RETRY = { tries: 6, firstDelayMs: 500, maxDelayMs: 8000 };
/** A request still in flight on the server: wait this many times (Retry-After each) before asking the shopper to check later. */
const MAX_IN_PROGRESS_WAITS = 30;
/** A request that hangs this long is abandoned and retried with the same key, like a dropped connection. */
const REQUEST_TIMEOUT_MS = 15000;

/** What a shopper reads for each answer the API may give; the codes are the contract's. */
const MESSAGES = {
  INSUFFICIENT_BALANCE: 'Your balance is not enough for this order, so nothing was charged. Top up your balance and try again.',
  ORDER_ALREADY_PAID: 'This order has already been paid. You were not charged again.',
  ORDER_NOT_FOUND: 'We could not find this order, so nothing was charged. Please start a new order.',
  ORDER_NOT_OWNED: 'This order belongs to someone else, so nothing was charged. Please start a new order.',
  USER_NOT_FOUND: 'We could not find your account. Please go back to the shop and open the checkout again.',
  UNAUTHENTICATED: 'Your checkout session has expired. Please go back to the shop and open the checkout again.',
  FORBIDDEN: 'This checkout session is not allowed to do that. Please go back to the shop and open the checkout again.',
  IDEMPOTENCY_KEY_REUSED: 'This checkout attempt got mixed up with another one, so nothing more was charged. Please start a new order.',
  VALIDATION_FAILED: 'Something in this order is not valid, so nothing was charged. Please start a new order.',
};
const UNREACHABLE =
  'We could not reach the payment service. Your payment may not have gone through yet: press "Try again". ' +
  'You will never be charged twice for this order.';
const STILL_PROCESSING = 'Your payment is still being processed. Press "Try again" in a moment to see the result; you will not be charged twice.';

const $ = (id) => document.getElementById(id);
const won = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'KRW' });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const total = CART.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0);

let token;
let userId;
/** Set while a checkout runs: a second click (or a reload's resume racing a click) does nothing. */
let busy = false;

// ---- what is kept across retries and reloads (sessionStorage: this tab only, gone when it closes)

const load = (name) => {
  try {
    return JSON.parse(sessionStorage.getItem(name) ?? 'null');
  } catch {
    return null;
  }
};
const save = (name, value) => sessionStorage.setItem(name, JSON.stringify(value));
const forget = (name) => sessionStorage.removeItem(name);

/** The attempt in progress, or a new one: its keys are made once and reused until it has a final answer. */
function currentAttempt() {
  const kept = load(STORE.attempt);
  if (kept && kept.userId === userId && kept.paymentKey) return kept;
  const attempt = { userId, orderKey: newKey(), paymentKey: newKey(), orderId: null, sent: false };
  save(STORE.attempt, attempt);
  return attempt;
}

/** A UUID v4. crypto.randomUUID() exists only on https:// and localhost; getRandomValues everywhere. */
function newKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ---- HTTP

class Unreachable extends Error {}
class StillProcessing extends Error {}

/** One request; resolves to { status, body, replayed, retryAfterMs } or throws on a network failure or timeout. */
async function send(method, path, body, idempotencyKey) {
  const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    const res = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: abort.signal });
    const text = await res.text();
    const answer = {
      status: res.status,
      body: parseJson(text),
      replayed: res.headers.get('Idempotent-Replayed') === 'true',
      retryAfterMs: retryAfterMs(res.headers.get('Retry-After')),
    };
    logRequest(method, path, idempotencyKey, `${answer.status}${answer.replayed ? ' (replayed)' : ''}${answer.body?.code ? ` ${answer.body.code}` : ''}`);
    return answer;
  } catch (error) {
    logRequest(method, path, idempotencyKey, abort.signal.aborted ? 'timed out' : 'network error');
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function retryAfterMs(header) {
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

const isInProgress = (answer) => answer.status === 409 && answer.body?.code === 'IDEMPOTENCY_KEY_IN_PROGRESS';

/**
 * Sends one idempotent request until it has a final answer: the same key every time, so the
 * server runs it at most once. Network failures and 5xx back off exponentially (with jitter, so
 * a crowd of browsers does not retry in step); a 409 in progress waits Retry-After.
 */
async function untilAnswered(method, path, body, idempotencyKey) {
  let failures = 0;
  let waits = 0;
  for (;;) {
    let answer;
    try {
      answer = await send(method, path, body, idempotencyKey);
    } catch {
      answer = undefined;
    }
    if (answer && isInProgress(answer)) {
      if (++waits > MAX_IN_PROGRESS_WAITS) throw new StillProcessing();
      showStatus('paying', 'Your payment is being processed…');
      await sleep(answer.retryAfterMs ?? 1000);
      continue;
    }
    if (answer && answer.status < 500) return answer;
    if (++failures >= RETRY.tries) throw new Unreachable();
    showStatus('paying', 'We could not confirm your payment yet. Retrying safely…');
    const backoff = Math.min(RETRY.maxDelayMs, RETRY.firstDelayMs * 2 ** (failures - 1));
    await sleep(Math.max(answer?.retryAfterMs ?? 0, backoff / 2 + Math.random() * (backoff / 2)));
  }
}

// ---- the checkout

async function checkout() {
  if (busy) return;
  busy = true;
  $('pay').disabled = true;
  showStatus('paying', 'Paying…');
  try {
    const attempt = currentAttempt();
    // From here on a request may have reached the server: a reload must finish this attempt, not start another.
    save(STORE.attempt, { ...attempt, sent: true });
    if (!attempt.orderId) {
      // The order has a key of its own: a retried POST /orders makes one order, not two.
      const created = await untilAnswered('POST', '/orders', { userId, items: CART }, attempt.orderKey);
      if (created.status !== 201) return finishWithError(created);
      attempt.orderId = created.body.id;
      save(STORE.attempt, { ...attempt, sent: true });
    }
    const paid = await untilAnswered('POST', '/payments', { orderId: attempt.orderId, userId }, attempt.paymentKey);
    if (paid.status !== 200) return finishWithError(paid);
    forget(STORE.attempt);
    const shopper = await refreshShopper();
    const receipt = { payment: paid.body, replayed: paid.replayed, balance: shopper ? shopper.balance : null };
    save(STORE.receipt, receipt);
    showReceipt(receipt);
  } catch (error) {
    // No final answer yet: the attempt and its key stay, and "Try again" sends the same key.
    showStatus('failed', error instanceof StillProcessing ? STILL_PROCESSING : UNREACHABLE);
    $('pay').textContent = 'Try again';
  } finally {
    busy = false;
    $('pay').disabled = false;
  }
}

/**
 * A final answer that is not a payment: this attempt is over, and the next click starts a new one
 * with a new key (for a short balance, on the same order: the shopper may top up and pay it).
 * Except an expired session: nothing ran, and the same key with a new token (same shopper) must
 * still find a payment an earlier, lost answer may have made.
 */
function finishWithError(answer) {
  const code = answer.body?.code;
  const attempt = load(STORE.attempt);
  if (code === 'INSUFFICIENT_BALANCE' && attempt?.orderId) save(STORE.attempt, { ...attempt, paymentKey: newKey(), sent: false });
  else if (code !== 'UNAUTHENTICATED') forget(STORE.attempt);
  showStatus('failed', MESSAGES[code] ?? `The payment did not go through (${answer.status}${code ? ` ${code}` : ''}), and nothing was charged. Please try again.`);
  $('pay').textContent = `Pay ${won.format(total)}`;
  if (code === 'ORDER_ALREADY_PAID' || code === 'UNAUTHENTICATED') void refreshShopper();
}

// ---- what the shopper sees

function showStatus(state, text) {
  document.body.dataset.state = state;
  $('status').textContent = text;
}

function showCart() {
  const rows = CART.map((item) => {
    const row = document.createElement('tr');
    for (const [text, className] of [[item.name, ''], [`×${item.quantity}`, 'qty'], [won.format(item.unitPrice * item.quantity), 'amount']]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      if (className) cell.className = className;
      row.append(cell);
    }
    return row;
  });
  $('cart-items').replaceChildren(...rows);
  $('cart-total').textContent = won.format(total);
  $('pay').textContent = `Pay ${won.format(total)}`;
}

function showReceipt({ payment, replayed, balance }) {
  $('receipt-amount').textContent = won.format(payment.amount);
  $('receipt-order').textContent = `#${payment.orderId}`;
  $('receipt-payment').textContent = `#${payment.id}`;
  $('receipt-time').textContent = new Date(payment.paidAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  $('receipt-balance').textContent = balance === null ? '—' : won.format(balance);
  $('receipt-note').textContent = replayed
    ? 'Your payment had already gone through; we confirmed it again without charging twice.'
    : 'Thank you! A receipt is on its way.';
  $('receipt').hidden = false;
  document.body.dataset.state = 'paid';
  $('receipt-title').focus?.();
}

/** Reads the shopper again and shows their balance; the user, or null when it could not be read. */
async function refreshShopper() {
  let answer;
  try {
    answer = await send('GET', `/users/${userId}`);
  } catch {
    $('shopper').textContent = 'Could not load your account right now.';
    return null;
  }
  if (answer.status !== 200) {
    showStatus('failed', MESSAGES[answer.body?.code] ?? MESSAGES.UNAUTHENTICATED);
    $('shopper').textContent = '';
    return null;
  }
  $('shopper').textContent = `Paying as ${answer.body.name} · balance ${won.format(answer.body.balance)}`;
  return answer.body;
}

function logRequest(method, path, key, outcome) {
  const line = document.createElement('li');
  line.textContent = `${method} ${API}${path}${key ? ` · Idempotency-Key ${key}` : ''} → ${outcome}`;
  $('log').append(line);
}

// ---- start: take the token from the fragment, then resume whatever this tab was doing

/** The token from #token=..., moved into sessionStorage and out of the address bar (and so out of bookmarks and screenshots). */
function takeToken() {
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromFragment) {
    sessionStorage.setItem(STORE.token, fromFragment);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return fromFragment ?? sessionStorage.getItem(STORE.token);
}

/** The user a token stands for (its `sub`); the server checks the signature, the page only reads it. */
function userIdOf(jwt) {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return Number(payload.sub) || null;
  } catch {
    return null;
  }
}

async function start() {
  showCart();
  token = takeToken();
  userId = token ? userIdOf(token) : null;
  if (!userId) {
    $('shopper').textContent = '';
    showStatus('failed', 'Open this page from the shop: the link carries your checkout session (#token=...).');
    return;
  }
  $('pay').addEventListener('click', () => void checkout());
  $('again').addEventListener('click', () => {
    forget(STORE.receipt);
    $('receipt').hidden = true;
    showStatus('ready', '');
    $('pay').disabled = false;
    void refreshShopper();
  });
  const receipt = load(STORE.receipt);
  if (receipt && receipt.payment?.userId === userId) {
    showReceipt(receipt);
    void refreshShopper();
    return;
  }
  if (!(await refreshShopper())) return;
  const pending = load(STORE.attempt);
  if (pending && pending.userId === userId && pending.sent) {
    // A reload in the middle of a checkout: finish it with the same key instead of starting another.
    showStatus('paying', 'Resuming your payment…');
    return checkout();
  }
  showStatus('ready', '');
  $('pay').disabled = false;
}

// A new link in this tab (the shop minted a fresh token) changes only the fragment: start again with it.
window.addEventListener('hashchange', () => {
  if (new URLSearchParams(location.hash.slice(1)).has('token')) {
    takeToken();
    location.reload();
  }
});

void start();

// The payonce HTTP calls, through k6/http. k6-only module (jest uses a fake with the same shape).
//
// Every method returns a plain answer { status, body, headers, error } so that classify.js and
// flows.js never touch a k6 Response. Requests are tagged with a `name` (k6 URL grouping), so
// /users/17 and /users/18 are one series in the metrics.
//
// Every /api/v1 route needs `Authorization: Bearer <credential>`: a client is made for one
// credential. setup() uses the account's API key (users, balance charges, user tokens); the
// iterations act as a browser checkout does, with the user token of their user.

import http from 'k6/http';

// 2xx and the 409 of a duplicate still in flight are the answers a payment request may get in a
// correct run: mark them expected so that http_req_failed does not count them. (Replays are
// 200 and expected anyway.) Defined once in the init context, as k6 recommends.
const PAYMENT_EXPECTED = http.expectedStatuses({ min: 200, max: 299 }, 409);

function toAnswer(res) {
  return { status: res.status, body: res.body, headers: res.headers, error: res.error };
}

/** The API client for one run (`cfg` from config.parseConfig()) acting with `credential` (an API key or a user token). */
export function createApi(cfg, credential) {
  const base = cfg.apiBase;

  function params(name, extraHeaders, extra) {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${credential}` };
    const keys = Object.keys(extraHeaders || {});
    for (let i = 0; i < keys.length; i++) headers[keys[i]] = extraHeaders[keys[i]];
    return Object.assign({ headers, tags: { name }, timeout: cfg.requestTimeout }, extra || {});
  }

  function paymentRequest(orderId, userId, key) {
    return {
      method: 'POST',
      url: `${base}/payments`,
      body: JSON.stringify({ orderId, userId }),
      params: params('POST /payments', { 'Idempotency-Key': key }, { responseCallback: PAYMENT_EXPECTED }),
    };
  }

  return {
    createUser(name) {
      return toAnswer(http.post(`${base}/users`, JSON.stringify({ name }), params('POST /users')));
    },

    chargeBalance(userId, amount, key) {
      const extra = key ? { 'Idempotency-Key': key } : {};
      return toAnswer(
        http.post(`${base}/users/${userId}/balance/charge`, JSON.stringify({ amount }), params('POST /users/:id/balance/charge', extra)),
      );
    },

    mintToken(userId) {
      return toAnswer(http.post(`${base}/users/${userId}/tokens`, '{}', params('POST /users/:id/tokens')));
    },

    getUser(userId) {
      return toAnswer(http.get(`${base}/users/${userId}`, params('GET /users/:id')));
    },

    createOrder(userId, items) {
      return toAnswer(http.post(`${base}/orders`, JSON.stringify({ userId, items }), params('POST /orders')));
    },

    pay(orderId, userId, key) {
      const req = paymentRequest(orderId, userId, key);
      return toAnswer(http.post(req.url, req.body, req.params));
    },

    // n identical requests at once (http.batch sends them in parallel over separate connections;
    // the script raises the `batch`/`batchPerHost` options to at least n).
    payBatch(orderId, userId, key, n) {
      const requests = [];
      for (let i = 0; i < n; i++) requests.push(paymentRequest(orderId, userId, key));
      const responses = http.batch(requests);
      const answers = [];
      for (let i = 0; i < responses.length; i++) answers.push(toAnswer(responses[i]));
      return answers;
    },
  };
}

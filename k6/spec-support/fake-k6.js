// Test double for the jest specs only: stand-ins for the k6 modules the scripts import
// ('k6', 'k6/http', 'k6/metrics'), routing HTTP calls to the in-memory payonce of fake-api.js.
// They follow the documented k6 shapes and reject what real k6 would treat differently
// (an object body would be form-encoded by k6; a batch entry needs method and url; ...),
// and they record requests, metric samples and checks for the assertions.

function assertRequest(method, url, body, params) {
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new Error(`k6 stand-in: bad url ${url}`);
  if (method !== 'GET' && typeof body !== 'string') {
    throw new Error(`k6 stand-in: ${method} ${url} body must be a JSON string (k6 form-encodes objects)`);
  }
  const headers = (params && params.headers) || {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') throw new Error(`k6 stand-in: header ${name} must be a string`);
  }
  if (!/^Bearer \S+$/.test(headers.Authorization || '')) throw new Error(`k6 stand-in: ${method} ${url} without Authorization: Bearer <credential>`);
  if (method !== 'GET' && headers['Content-Type'] !== 'application/json') {
    throw new Error(`k6 stand-in: ${method} ${url} without Content-Type: application/json`);
  }
}

export function createFakeK6(getServer) {
  const recorded = { requests: [], samples: [], checks: [], responseCallbacks: [] };

  function respond(method, url, body, params) {
    assertRequest(method, url, body, params);
    recorded.requests.push({ method, url, body, params });
    const server = getServer();
    const path = url.replace(/^https?:\/\/[^/]+/, '');
    const headers = (params && params.headers) || {};
    const json = typeof body === 'string' && body ? JSON.parse(body) : undefined;
    let m;
    let answer;
    if (method === 'POST' && path === '/api/v1/users') answer = server.createUser(json.name);
    else if (method === 'POST' && (m = /^\/api\/v1\/users\/(\d+)\/balance\/charge$/.exec(path)))
      answer = server.chargeBalance(Number(m[1]), json.amount, headers['Idempotency-Key']);
    else if (method === 'POST' && (m = /^\/api\/v1\/users\/(\d+)\/tokens$/.exec(path))) answer = server.mintToken(Number(m[1]));
    else if (method === 'GET' && (m = /^\/api\/v1\/users\/(\d+)$/.exec(path))) answer = server.getUser(Number(m[1]));
    else if (method === 'POST' && path === '/api/v1/orders') answer = server.createOrder(json.userId, json.items);
    else if (method === 'POST' && path === '/api/v1/payments') answer = server.pay(json.orderId, json.userId, headers['Idempotency-Key']);
    else answer = { status: 404, body: '{"statusCode":404,"code":"NOT_FOUND"}', headers: {} };
    return { status: answer.status, body: answer.body, headers: answer.headers, error: '' };
  }

  const http = {
    get(url, params) {
      return respond('GET', url, null, params);
    },
    post(url, body, params) {
      return respond('POST', url, body, params);
    },
    batch(requests) {
      if (!Array.isArray(requests)) throw new Error('k6 stand-in: this suite only uses the array form of http.batch');
      for (const r of requests) {
        if (!r || typeof r.method !== 'string' || typeof r.url !== 'string') throw new Error('k6 stand-in: batch entries need method and url');
        assertRequest(r.method, r.url, r.body, r.params);
      }
      const samePayment =
        requests.length > 1 &&
        requests.every((r) => r.url.endsWith('/payments') && r.body === requests[0].body && r.params.headers['Idempotency-Key'] === requests[0].params.headers['Idempotency-Key']);
      if (!samePayment) return requests.map((r) => respond(r.method, r.url, r.body, r.params));
      // Identical payments at once: let the fake server play the concurrency.
      for (const r of requests) recorded.requests.push({ method: r.method, url: r.url, body: r.body, params: r.params, batch: true });
      const json = JSON.parse(requests[0].body);
      const key = requests[0].params.headers['Idempotency-Key'];
      return getServer()
        .payBatch(json.orderId, json.userId, key, requests.length)
        .map((a) => ({ status: a.status, body: a.body, headers: a.headers, error: '' }));
    },
    expectedStatuses(...statuses) {
      const callback = { expectedStatuses: statuses };
      recorded.responseCallbacks.push(callback);
      return callback;
    },
    setResponseCallback(callback) {
      recorded.globalResponseCallback = callback;
    },
  };

  class Counter {
    constructor(name) {
      this.name = name;
    }
    add(value, tags) {
      recorded.samples.push({ metric: this.name, value: Number(value), tags: tags || {} });
    }
  }

  function check(value, sets, tags) {
    let all = true;
    for (const [name, fn] of Object.entries(sets)) {
      const pass = typeof fn === 'function' ? !!fn(value) : !!fn;
      recorded.checks.push({ name, pass, tags: tags || {} });
      all = all && pass;
    }
    return all;
  }

  function total(metric, filter = () => true) {
    return recorded.samples.filter((s) => s.metric === metric && filter(s.tags)).reduce((sum, s) => sum + s.value, 0);
  }

  function reset() {
    recorded.requests.length = 0;
    recorded.samples.length = 0;
    recorded.checks.length = 0;
  }

  return {
    recorded,
    total,
    reset,
    modules: {
      k6: { check, default: { check } },
      'k6/http': { default: http, ...http },
      'k6/metrics': { Counter, default: { Counter } },
    },
  };
}

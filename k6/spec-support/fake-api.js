// Test double for the jest specs only (the k6 scripts never import it): an in-memory payonce
// with the same method shapes as lib/api.js, following the HTTP contract, plus switches that
// break it the ways a real server could, so the specs can show the k6 checks catch each one.
//
// faults:
//   ignoreKeys        every request runs (no idempotency at all): double payments
//   replayReserialize replays rebuild the body (different key order): not byte-identical
//   noReplayHeader    replays lack `Idempotent-Replayed: true`
//   debitOnReplay     replays are right but debit the balance again
//   batchRace         in a batch, two requests run before the key is stored
//   noRetryAfter      409 IN_PROGRESS without Retry-After
//   orderStatus       status code POST /orders answers (default 201)
// batchPattern: what the requests of a batch after the first one see while it runs, e.g.
//   ['conflict', 'replay', ...]; by default they alternate conflict/replay.

function json(status, value, headers) {
  return { status, body: JSON.stringify(value), headers: Object.assign({ 'Content-Type': 'application/json; charset=utf-8' }, headers || {}) };
}

function errorAnswer(status, code, message, extraHeaders) {
  return json(status, { statusCode: status, code, message, error: 'Error' }, extraHeaders);
}

export function createFakeApi(faults = {}) {
  const state = {
    users: new Map(),
    orders: new Map(),
    payments: [],
    keys: new Map(),
    nextId: { user: 1, order: 1, payment: 1 },
    calls: [],
    clock: Date.parse('2025-01-01T00:00:00.000Z'),
  };

  function now() {
    state.clock += 1000;
    return new Date(state.clock).toISOString();
  }

  function runPayment(orderId, userId) {
    const order = state.orders.get(orderId);
    if (!order) return errorAnswer(404, 'ORDER_NOT_FOUND', 'order not found');
    if (order.userId !== userId) return errorAnswer(403, 'ORDER_NOT_OWNED', 'order belongs to another user');
    if (order.status === 'PAID' && !faults.ignoreKeys && !faults.batchRace) return errorAnswer(409, 'ORDER_ALREADY_PAID', 'order already paid');
    const user = state.users.get(userId);
    if (user.balance < order.totalAmount) return errorAnswer(422, 'INSUFFICIENT_BALANCE', 'balance too low');
    user.balance -= order.totalAmount;
    order.status = 'PAID';
    const payment = { id: state.nextId.payment++, orderId, userId, amount: order.totalAmount, status: 'COMPLETED', paidAt: now() };
    state.payments.push(payment);
    return json(200, payment);
  }

  function replayOf(stored) {
    if (faults.debitOnReplay) {
      const p = JSON.parse(stored.body);
      state.users.get(p.userId).balance -= p.amount;
    }
    const body = faults.replayReserialize ? JSON.stringify(Object.assign({ status: 'COMPLETED' }, JSON.parse(stored.body))) : stored.body;
    const headers = Object.assign({}, stored.headers);
    if (!faults.noReplayHeader) headers['Idempotent-Replayed'] = 'true';
    return { status: stored.status, body, headers };
  }

  function inProgress() {
    return errorAnswer(409, 'IDEMPOTENCY_KEY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed', faults.noRetryAfter ? {} : { 'Retry-After': '1' });
  }

  const api = {
    state,

    createUser(name) {
      state.calls.push(['createUser', name]);
      const user = { id: state.nextId.user++, name, balance: 0, createdAt: now() };
      state.users.set(user.id, user);
      return json(201, user);
    },

    chargeBalance(userId, amount, key) {
      state.calls.push(['chargeBalance', userId, amount, key]);
      const user = state.users.get(userId);
      if (!user) return errorAnswer(404, 'USER_NOT_FOUND', 'user not found');
      user.balance += amount;
      return json(200, { userId, balance: user.balance });
    },

    mintToken(userId) {
      state.calls.push(['mintToken', userId]);
      if (!state.users.get(userId)) return errorAnswer(404, 'USER_NOT_FOUND', 'user not found');
      state.nextId.token = (state.nextId.token || 0) + 1;
      return json(201, { token: `user-token-${userId}-${state.nextId.token}`, expiresAt: new Date(Date.now() + 900000).toISOString() });
    },

    getUser(userId) {
      state.calls.push(['getUser', userId]);
      const user = state.users.get(userId);
      if (!user) return errorAnswer(404, 'USER_NOT_FOUND', 'user not found');
      return json(200, user);
    },

    createOrder(userId, items) {
      state.calls.push(['createOrder', userId, items]);
      if (faults.orderStatus && faults.orderStatus !== 201) return errorAnswer(faults.orderStatus, 'INTERNAL_ERROR', 'boom');
      const totalAmount = items.reduce((sum, i) => sum + i.unitPrice * i.quantity, 0);
      const order = { id: state.nextId.order++, userId, items, totalAmount, status: 'PENDING', createdAt: now() };
      state.orders.set(order.id, order);
      return json(201, order);
    },

    pay(orderId, userId, key) {
      state.calls.push(['pay', orderId, userId, key]);
      const stored = state.keys.get(key);
      if (stored && !faults.ignoreKeys) return replayOf(stored);
      const answer = runPayment(orderId, userId);
      if (answer.status < 500) state.keys.set(key, answer);
      return answer;
    },

    payBatch(orderId, userId, key, n) {
      state.calls.push(['payBatch', orderId, userId, key, n]);
      if (faults.ignoreKeys) {
        const all = [];
        for (let i = 0; i < n; i++) all.push(runPayment(orderId, userId));
        return all;
      }
      // The first request runs; the others arrive while it is in flight or just after it.
      const answers = [];
      const first = runPayment(orderId, userId);
      let second;
      if (faults.batchRace) second = runPayment(orderId, userId);
      state.keys.set(key, first);
      const pattern = faults.batchPattern || [];
      for (let i = 1; i < n; i++) {
        if (i === 1 && second) {
          answers.push(second);
          continue;
        }
        const what = pattern[i - 1] || (i % 2 === 1 ? 'conflict' : 'replay');
        answers.push(what === 'conflict' ? inProgress() : replayOf(first));
      }
      // http.batch answers come back in request order; put the one that ran in the middle.
      answers.splice(Math.floor(n / 2), 0, first);
      return answers;
    },
  };
  return api;
}

// One iteration of each script, as plain functions over an injected `api` object.
//
// NO k6 imports: the k6 scripts pass the real client from api.js, the jest specs pass a fake
// one. Every api method returns a plain answer { status, body, headers, error }:
//   api.getUser(userId)
//   api.createOrder(userId, items)
//   api.pay(orderId, userId, key)                 one request
//   api.payBatch(orderId, userId, key, n)         n identical requests at once, n answers
//
// Every flow returns a result:
//   { ok, stage, reason, classes, counts, cached, conflicts, checks, record }
// where `stage` says where a failed iteration failed ('balance', 'order', 'payment', 'debit',
// 'replay'), `cached`/`conflicts` count the duplicate requests that did not pay again, and
// `checks` maps check names to true/false (undefined = not applicable) for k6's check().

import {
  CACHED,
  CONFLICT,
  SUCCESS,
  UNEXPECTED,
  classifyAnswer,
  classifyConcurrent,
  classifySequence,
  describeAnswer,
  hasRetryAfter,
  isInProgressConflict,
  parseBody,
  paymentBodyProblems,
  verifyIteration,
} from './classify.js';

/**
 * Runs one iteration; one that throws (a token that cannot be minted, a body k6 cannot read)
 * is a failed iteration with stage 'exception', so it fails the run like any unverified one
 * instead of vanishing from the counts.
 */
export function guarded(iteration) {
  try {
    return iteration();
  } catch (error) {
    return fail(newResult(), 'exception', String((error && error.message) || error));
  }
}

/** The user a VU works with: VU n (1-based) gets users[(n - 1) % users.length]. */
export function pickUser(users, vu) {
  if (!Array.isArray(users) || users.length === 0) throw new Error('no users: did setup() run?');
  const index = (((Number(vu) - 1) % users.length) + users.length) % users.length;
  return users[index];
}

/** The single order line every iteration buys. */
export function orderItems(cfg) {
  return [{ name: cfg.itemName, unitPrice: cfg.unitPrice, quantity: cfg.quantity }];
}

/** The balance of a user, read through GET /users/:id: { ok, balance, reason }. */
export function readBalance(api, userId) {
  const answer = api.getUser(userId);
  const body = parseBody(answer && answer.body);
  if (!answer || answer.status !== 200 || !body || !Number.isInteger(body.balance)) {
    return { ok: false, reason: `GET /users/${userId} answered ${describeAnswer(answer)}` };
  }
  return { ok: true, balance: body.balance };
}

/** `before - after` must be exactly `amount` (0 for a replay): a double debit shows up here. */
export function verifyDebit(before, after, amount) {
  const debited = before - after;
  if (debited === amount) return { ok: true, debited, reason: '' };
  return { ok: false, debited, reason: `balance went from ${before} to ${after}: debited ${debited}, expected ${amount}` };
}

function newResult() {
  return { ok: false, stage: '', reason: '', classes: [], counts: null, cached: 0, conflicts: 0, checks: {}, record: null };
}

function fail(result, stage, reason) {
  result.ok = false;
  result.stage = stage;
  result.reason = reason;
  return result;
}

function createOrder(api, ctx, result) {
  const answer = api.createOrder(ctx.user.id, ctx.items);
  const order = parseBody(answer && answer.body);
  const created = !!answer && answer.status === 201 && !!order && Number.isInteger(order.id) && order.id > 0;
  result.checks['order created (201)'] = created;
  if (!created) return { error: `POST /orders answered ${describeAnswer(answer)}` };
  const expectedTotal = ctx.items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0);
  result.checks['order totalAmount matches items'] = order.totalAmount === expectedTotal;
  return { order };
}

function checkConflictsHaveRetryAfter(result, answers) {
  const conflicts = answers.filter(isInProgressConflict);
  if (conflicts.length > 0) result.checks['409 IN_PROGRESS has Retry-After'] = conflicts.every(hasRetryAfter);
}

/** `problems` is a list of { stage, text }; the iteration failed at the first one's stage. */
function finish(result, problems) {
  if (problems.length > 0) return fail(result, problems[0].stage, problems.map((p) => p.text).join('; '));
  result.ok = true;
  return result;
}

/**
 * The steps shared by the payment flows: optional balance read, a new order, the payment
 * requests `flow.send(order)`, their classification `flow.classify(answers)` (which returns
 * { classes, originalIndex }), the body of the one successful payment, optional extra requests
 * `flow.afterPay(original, result, problems)`, and finally the debit, read after every request
 * of the iteration so that any extra debit shows.
 */
function payFlow(api, ctx, flow) {
  const result = newResult();
  let before;
  if (ctx.checkBalance) {
    const read = readBalance(api, ctx.user.id);
    if (!read.ok) return fail(result, 'balance', read.reason);
    before = read.balance;
  }
  const made = createOrder(api, ctx, result);
  if (made.error) return fail(result, 'order', made.error);
  const order = made.order;

  const answers = flow.send(order);
  const classified = flow.classify(answers);
  const verdict = verifyIteration(classified.classes, flow.expectedAnswers);
  result.classes = classified.classes;
  result.counts = verdict.counts;
  result.cached = verdict.counts.CACHED;
  result.conflicts = verdict.counts.CONFLICT;
  checkConflictsHaveRetryAfter(result, answers);

  const problems = [];
  result.checks['exactly one payment ran, the rest were replays or 409'] = verdict.ok;
  if (!verdict.ok) {
    problems.push({
      stage: 'payment',
      text: `${verdict.reason} [${classified.classes.join(', ')}]: ${answers.map(describeAnswer).join(' | ')}`,
    });
  }
  const original = classified.originalIndex >= 0 ? answers[classified.originalIndex] : undefined;
  if (original) {
    const bodyProblems = paymentBodyProblems(original, { orderId: order.id, userId: ctx.user.id, amount: order.totalAmount });
    result.checks['payment COMPLETED for the order amount'] = bodyProblems.length === 0;
    if (bodyProblems.length > 0) problems.push({ stage: 'payment', text: `payment body: ${bodyProblems.join(', ')}` });
    result.record = {
      key: ctx.key,
      orderId: order.id,
      userId: ctx.user.id,
      amount: order.totalAmount,
      first: { status: original.status, body: original.body, headers: original.headers },
    };
    if (flow.afterPay) flow.afterPay(original, result, problems);
  }
  if (ctx.checkBalance) {
    const read = readBalance(api, ctx.user.id);
    if (!read.ok) {
      problems.push({ stage: 'balance', text: read.reason });
    } else {
      const debit = verifyDebit(before, read.balance, order.totalAmount);
      result.checks['balance debited exactly once'] = debit.ok;
      if (!debit.ok) problems.push({ stage: 'debit', text: debit.reason });
    }
  }
  return finish(result, problems);
}

/**
 * payment-process: a new order, then `ctx.attempts` payments with one key, one after the other.
 * Verified when exactly 1 SUCCESS and the others CACHED or CONFLICT, the payment body is right,
 * and (with checkBalance) the balance went down by the order amount exactly once.
 * ctx: { user, key, items, attempts, checkBalance }
 */
export function paymentIteration(api, ctx) {
  return payFlow(api, ctx, {
    expectedAnswers: ctx.attempts,
    send(order) {
      const answers = [];
      for (let i = 0; i < ctx.attempts; i++) answers.push(api.pay(order.id, ctx.user.id, ctx.key));
      return answers;
    },
    classify(answers) {
      const classes = classifySequence(answers);
      return { classes, originalIndex: classes[0] === SUCCESS ? 0 : -1 };
    },
  });
}

/**
 * concurrent-duplicates: a new order, then `ctx.concurrency` identical payments at once.
 * Verified when exactly one answer is new (2xx, no Idempotent-Replayed) and every other one is a
 * byte-identical replay of it or a 409 IDEMPOTENCY_KEY_IN_PROGRESS; with ctx.followUp, one more
 * request after the batch must be a replay; with checkBalance, one debit.
 * ctx: { user, key, items, concurrency, followUp, checkBalance }
 */
export function concurrentIteration(api, ctx) {
  return payFlow(api, ctx, {
    expectedAnswers: ctx.concurrency,
    send(order) {
      return api.payBatch(order.id, ctx.user.id, ctx.key, ctx.concurrency);
    },
    classify(answers) {
      return classifyConcurrent(answers);
    },
    afterPay(original, result, problems) {
      if (!ctx.followUp) return;
      const record = result.record;
      const followUp = api.pay(record.orderId, record.userId, record.key);
      const cls = classifyAnswer(original, followUp);
      result.checks['request after the batch is a replay'] = cls === CACHED;
      if (cls === CACHED) result.cached += 1;
      else problems.push({ stage: 'payment', text: `request after the batch was ${cls}: ${describeAnswer(followUp)}` });
    },
  });
}

/**
 * soak, replay of an earlier payment (`record` from a previous iteration of this VU): the first
 * request finished long ago, so the answer must be CACHED (byte-identical, replay header);
 * a 409 IN_PROGRESS here is a failure (a lease that never ended). With checkBalance, nothing is
 * debited. ctx: { checkBalance }
 */
export function replayIteration(api, record, ctx) {
  const result = newResult();
  let before;
  if (ctx.checkBalance) {
    const read = readBalance(api, record.userId);
    if (!read.ok) return fail(result, 'balance', read.reason);
    before = read.balance;
  }
  const answer = api.pay(record.orderId, record.userId, record.key);
  const cls = classifyAnswer(record.first, answer);
  result.classes = [cls];
  result.counts = { SUCCESS: 0, CACHED: cls === CACHED ? 1 : 0, CONFLICT: cls === CONFLICT ? 1 : 0, UNEXPECTED: cls === UNEXPECTED ? 1 : 0 };
  result.cached = result.counts.CACHED;
  result.conflicts = result.counts.CONFLICT;
  result.record = record;
  result.checks['late replay is byte-identical'] = cls === CACHED;
  const problems = [];
  if (cls !== CACHED) problems.push({ stage: 'replay', text: `replay of key ${record.key} was ${cls}: ${describeAnswer(answer)}` });
  if (ctx.checkBalance) {
    const read = readBalance(api, record.userId);
    if (!read.ok) {
      problems.push({ stage: 'balance', text: read.reason });
    } else {
      const debit = verifyDebit(before, read.balance, 0);
      result.checks['replay debited nothing'] = debit.ok;
      if (!debit.ok) problems.push({ stage: 'debit', text: debit.reason });
    }
  }
  return finish(result, problems);
}

/** soak: 'replay' with probability `ratio` when there is something to replay, else 'new'. */
export function chooseSoakAction(memorySize, ratio, random = Math.random) {
  return memorySize > 0 && random() < ratio ? 'replay' : 'new';
}

/** Keeps at most `max` records, dropping the oldest. Mutates and returns `memory`. */
export function remember(memory, record, max) {
  if (!record) return memory;
  memory.push(record);
  while (memory.length > max) memory.shift();
  return memory;
}

/**
 * soak: one iteration. `state.memory` holds this VU's earlier payments. A 'new' iteration is a
 * paymentIteration with a single request (attempts: 1) whose record is kept for later replays;
 * a 'replay' iteration replays a random remembered payment. Returns the result with `action`.
 * ctx: { user, key, items, checkBalance, replayRatio, replayMemory }
 */
export function soakIteration(api, state, ctx, random = Math.random) {
  const action = chooseSoakAction(state.memory.length, ctx.replayRatio, random);
  let result;
  if (action === 'replay') {
    const record = state.memory[Math.floor(random() * state.memory.length) % state.memory.length];
    result = replayIteration(api, record, ctx);
  } else {
    result = paymentIteration(api, Object.assign({}, ctx, { attempts: 1 }));
    if (result.ok) remember(state.memory, result.record, ctx.replayMemory);
  }
  result.action = action;
  return result;
}

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  AppProcess,
  auditEveryNode,
  call,
  cluster,
  codeOf,
  createApiKey,
  LEASE_MS,
  nodeConnection,
  NODES,
  onEveryNode,
  userWithOrder,
  type Answer,
  type Node,
} from './cluster-harness.js';

const ROUNDS = Number(process.env.CLUSTER_ROUNDS ?? 30);
const PER_PROCESS = 8;
const AMOUNT = 9000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const is5xx = (a: Answer) => a.status >= 500 || a.status === 0;

/** Every node holds the same counts and the audit finds nothing, on each of them. */
async function expectEveryNodeAgrees(): Promise<Record<string, number>> {
  const audits = await auditEveryNode();
  const scopes = NODES.map((node) => audits.get(node)!.scope);
  for (const node of NODES) expect({ node, violations: audits.get(node)!.violations }).toEqual({ node, violations: {} });
  expect(scopes[1]).toEqual(scopes[0]);
  expect(scopes[2]).toEqual(scopes[0]);
  return scopes[0];
}

/** Payments of an order and its user's balance, asked of every node. */
async function ledgerOnEveryNode(orderId: number, userId: number) {
  const rows = await onEveryNode<{ payments: string; balance: string }>(
    'SELECT (SELECT COUNT(*) FROM payments WHERE order_id = ?) AS payments, (SELECT balance FROM users WHERE id = ?) AS balance',
    [orderId, userId],
  );
  return NODES.map((node) => ({ payments: Number(rows.get(node)![0].payments), balance: Number(rows.get(node)![0].balance) }));
}

describe('payonce on a three-node Galera cluster, one app process per node', () => {
  const apps = new Map<Node, AppProcess>();
  const app = (node: Node) => apps.get(node)!;
  let apiKey = '';

  beforeAll(async () => {
    apiKey = await createApiKey(); // runs the migrations on node 1; DDL replicates to the others
    // One at a time, as the bench does: each process runs the (already applied) migrations at start-up.
    for (const node of NODES) apps.set(node, await AppProcess.start(node));
  });
  afterAll(async () => {
    for (const process of apps.values()) await process.stop();
  });

  it(`same-key storms across nodes pay once: ${ROUNDS} rounds of ${3 * PER_PROCESS} requests`, async () => {
    const tally = { fresh: 0, replays: 0, inProgress: 0, other: 0, fiveXx: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const { userId, orderId } = await userWithOrder(app(NODES[round % 3]), apiKey, 3 * AMOUNT, AMOUNT);
      const key = randomUUID();
      const answers = await Promise.all(
        NODES.flatMap((node) => Array.from({ length: PER_PROCESS }, () => call(app(node).url, apiKey, 'POST', '/api/v1/payments', { orderId, userId }, { 'idempotency-key': key }))),
      );
      const paid = answers.filter((a) => a.status === 200);
      tally.fresh += paid.filter((a) => !a.replayed).length;
      tally.replays += paid.filter((a) => a.replayed).length;
      tally.inProgress += answers.filter((a) => codeOf(a) === 'IDEMPOTENCY_KEY_IN_PROGRESS').length;
      tally.fiveXx += answers.filter(is5xx).length;
      tally.other += answers.filter((a) => a.status !== 200 && codeOf(a) !== 'IDEMPOTENCY_KEY_IN_PROGRESS').length;
      expect(paid.filter((a) => !a.replayed)).toHaveLength(1);
      expect(new Set(paid.map((a) => a.body)).size).toBe(1); // every replay is the first answer's bytes
      expect(await ledgerOnEveryNode(orderId, userId)).toEqual(NODES.map(() => ({ payments: 1, balance: 2 * AMOUNT })));
    }
    const certification = NODES.reduce((n, node) => n + app(node).logCount(/certification conflict/), 0);
    console.log(`storms: ${ROUNDS} keys x ${3 * PER_PROCESS} requests: ${JSON.stringify(tally)}; certification conflicts retried so far: ${certification}`);
    expect(tally).toMatchObject({ fresh: ROUNDS, fiveXx: 0, other: 0 });
    console.log(`storms: every node agrees on ${JSON.stringify(await expectEveryNodeAgrees())}`);
  });

  it(`distinct keys racing for one order across nodes pay it once: ${ROUNDS} rounds of 9 keys`, async () => {
    const tally = { paid: 0, alreadyPaid: 0, busy: 0, other: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const { userId, orderId } = await userWithOrder(app(NODES[round % 3]), apiKey, 3 * AMOUNT, AMOUNT);
      const answers = await Promise.all(
        NODES.flatMap((node) => Array.from({ length: 3 }, () => call(app(node).url, apiKey, 'POST', '/api/v1/payments', { orderId, userId }, { 'idempotency-key': randomUUID() }))),
      );
      tally.paid += answers.filter((a) => a.status === 200).length;
      tally.alreadyPaid += answers.filter((a) => codeOf(a) === 'ORDER_ALREADY_PAID').length;
      tally.busy += answers.filter((a) => codeOf(a) === 'DATABASE_BUSY').length;
      tally.other += answers.filter((a) => a.status !== 200 && !['ORDER_ALREADY_PAID', 'DATABASE_BUSY'].includes(codeOf(a) ?? '')).length;
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      expect(await ledgerOnEveryNode(orderId, userId)).toEqual(NODES.map(() => ({ payments: 1, balance: 2 * AMOUNT })));
    }
    const certification = NODES.reduce((n, node) => n + app(node).logCount(/certification conflict/), 0);
    console.log(`races: ${ROUNDS} orders x 9 keys: ${JSON.stringify(tally)}; certification conflicts retried so far: ${certification}`);
    expect(tally).toMatchObject({ paid: ROUNDS, other: 0 });
    console.log(`races: every node agrees on ${JSON.stringify(await expectEveryNodeAgrees())}`);
  });

  it('a key left in flight by an app process killed -9 on node 1 is taken over on node 2 once its lease runs out', async () => {
    const { userId, orderId } = await userWithOrder(app(1), apiKey, 3 * AMOUNT, AMOUNT);
    const key = randomUUID();
    // Hold the user's row on node 1, so that the payment claims its key and then waits inside its transaction.
    const blocker = await nodeConnection(1);
    await blocker.query('START TRANSACTION');
    await blocker.query('SELECT id FROM users WHERE id = ? FOR UPDATE', [userId]);
    const abandoned = call(app(1).url, apiKey, 'POST', '/api/v1/payments', { orderId, userId }, { 'idempotency-key': key });
    let status = '';
    for (let i = 0; i < 100 && status !== 'PROCESSING'; i++) {
      await sleep(100);
      const [rows] = await blocker.query<import('mysql2/promise').RowDataPacket[]>('SELECT status FROM idempotency_keys WHERE idempotency_key = ?', [key]);
      status = rows[0]?.status ?? '';
    }
    expect(status).toBe('PROCESSING');
    const crashedAt = Date.now();
    await app(1).crash();
    expect((await abandoned).failed).toBeDefined(); // the client never got an answer
    await blocker.query('ROLLBACK');
    await blocker.end();

    const answers: Answer[] = [];
    let taken: Answer | undefined;
    while (!taken && Date.now() - crashedAt < LEASE_MS + 20_000) {
      const answer = await call(app(2).url, apiKey, 'POST', '/api/v1/payments', { orderId, userId }, { 'idempotency-key': key });
      answers.push(answer);
      if (answer.status === 200) taken = answer;
      else await sleep(250);
    }
    const waited = answers.filter((a) => codeOf(a) === 'IDEMPOTENCY_KEY_IN_PROGRESS').length;
    console.log(`takeover: ${waited} answers of 409 IN_PROGRESS, then paid on node 2 ${Date.now() - crashedAt} ms after the kill (lease ${LEASE_MS} ms)`);
    expect(waited).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status !== 200 && codeOf(a) !== 'IDEMPOTENCY_KEY_IN_PROGRESS')).toEqual([]);
    expect(taken).toMatchObject({ status: 200, replayed: false });
    const replay = await call(app(3).url, apiKey, 'POST', '/api/v1/payments', { orderId, userId }, { 'idempotency-key': key });
    expect(replay).toMatchObject({ status: 200, replayed: true, body: taken!.body });

    const keys = await onEveryNode<{ status: string; fencing_token: number }>('SELECT status, fencing_token FROM idempotency_keys WHERE idempotency_key = ?', [key]);
    for (const node of NODES) expect(keys.get(node)).toEqual([{ status: 'COMPLETED', fencing_token: 2 }]);
    expect(await ledgerOnEveryNode(orderId, userId)).toEqual(NODES.map(() => ({ payments: 1, balance: 2 * AMOUNT })));
    apps.set(1, await AppProcess.start(1));
    console.log(`takeover: every node agrees on ${JSON.stringify(await expectEveryNodeAgrees())}`);
  });

  it('node 2 killed -9 under load: its app process fails over, every checkout pays exactly once, and the node rejoins', async () => {
    const WORKERS_PER_APP = 4;
    const started = Date.now();
    const events = { killedAt: 0, restartStartedAt: 0, syncedAt: 0 };
    let stop = false;
    interface Checkout { node: Node; orderId: number; userId: number; key: string; answer?: Answer; attempts: number }
    const checkouts: Checkout[] = [];
    const failures: { node: Node; at: number; what: string }[] = [];
    const successes: { node: Node; at: number }[] = [];

    /** Sends until the answer is final (200 or a stored business error), the same key every time; bounded. */
    async function untilFinal(checkout: Checkout, send: () => Promise<Answer>): Promise<Answer | undefined> {
      for (let attempt = 1; attempt <= 120; attempt++) {
        checkout.attempts = attempt;
        const answer = await send();
        if (answer.status > 0 && answer.status < 500 && codeOf(answer) !== 'IDEMPOTENCY_KEY_IN_PROGRESS') return answer;
        if (is5xx(answer)) failures.push({ node: checkout.node, at: Date.now(), what: answer.failed ?? `${answer.status} ${codeOf(answer)}` });
        await sleep(250);
      }
      return undefined;
    }

    async function worker(node: Node, index: number) {
      const { userId } = await userWithOrder(app(node), apiKey, 1_000_000_000, AMOUNT);
      for (let i = 0; !stop; i++) {
        const checkout: Checkout = { node, orderId: 0, userId, key: randomUUID(), attempts: 0 };
        const orderKey = randomUUID();
        const order = await untilFinal(checkout, () =>
          call(app(node).url, apiKey, 'POST', '/api/v1/orders', { userId, items: [{ name: `load ${index}/${i}`, unitPrice: AMOUNT, quantity: 1 }] }, { 'idempotency-key': orderKey }),
        );
        if (!order) throw new Error(`order of worker ${node}/${index} never answered`);
        checkout.orderId = (JSON.parse(order.body) as { id: number }).id;
        checkouts.push(checkout);
        checkout.answer = await untilFinal(checkout, () =>
          call(app(node).url, apiKey, 'POST', '/api/v1/payments', { orderId: checkout.orderId, userId }, { 'idempotency-key': checkout.key }),
        );
        if (checkout.answer?.status === 200) successes.push({ node, at: Date.now() });
      }
    }

    const load = Promise.all(NODES.flatMap((node) => Array.from({ length: WORKERS_PER_APP }, (_, i) => worker(node, i))));
    await sleep(6000);
    events.killedAt = Date.now();
    await cluster('kill', '2');
    await sleep(8000);
    events.restartStartedAt = Date.now();
    const rejoin = await cluster('start', '2');
    events.syncedAt = Date.now();
    await sleep(6000);
    stop = true;
    await load;

    const sinceKill = (t: number) => ((t - events.killedAt) / 1000).toFixed(1);
    const node2Failures = failures.filter((f) => f.node === 2);
    const firstSuccessAfterKill = successes.find((s) => s.node === 2 && s.at > events.killedAt);
    /** The longest time a process answered no payment, from the kill until the restart began. */
    const longestPause = (node: Node) => {
      const times = [events.killedAt, ...successes.filter((s) => s.node === node && s.at > events.killedAt && s.at < events.restartStartedAt).map((s) => s.at), events.restartStartedAt];
      return (Math.max(...times.slice(1).map((t, i) => t - times[i])) / 1000).toFixed(1);
    };
    const final = checkouts.filter((c) => c.answer?.status === 200);
    const ist = /IST received/.test(readFileSync('.data/cluster/node2/mysqld.log', 'utf8').split('WSREP: Recovered position').pop() ?? '');
    console.log(
      `node loss: ${checkouts.length} checkouts in ${((Date.now() - started) / 1000).toFixed(0)} s on 3 processes, ${final.length} paid; ` +
        `5xx or no answer: ${failures.length} (node 2's process: ${node2Failures.length}, others: ${failures.length - node2Failures.length}), all retried with the same key; ` +
        `node 2's process: last failure +${node2Failures.length ? sinceKill(node2Failures.at(-1)!.at) : '-'} s, first payment after the kill +${firstSuccessAfterKill ? sinceKill(firstSuccessAfterKill.at) : '-'} s; ` +
        `longest pause without a payment after the kill: ${NODES.map((node) => `process on node ${node} ${longestPause(node)} s`).join(', ')}; ` +
        `rejoin took ${((events.syncedAt - events.restartStartedAt) / 1000).toFixed(1)} s by ${ist ? 'IST' : 'SST'}; kinds of failure: ${JSON.stringify([...new Set(failures.map((f) => f.what.slice(0, 80)))])}`,
    );
    console.log(`node loss: cluster.sh said: ${rejoin.trim().split('\n').pop()}`);

    // A node that dies is an outage to the requests on it: 503 DATABASE_UNAVAILABLE (or a dropped connection), never a 500.
    expect(failures.filter((f) => !/^(503 DATABASE_UNAVAILABLE|503 DATABASE_BUSY)/.test(f.what) && f.what.startsWith('5'))).toEqual([]);
    // Every checkout has a final answer, a payment each, exactly one.
    expect(checkouts.filter((c) => c.answer?.status !== 200).map((c) => ({ ...c, answer: c.answer?.body }))).toEqual([]);
    expect(firstSuccessAfterKill).toBeDefined();
    const orderIds = checkouts.map((c) => c.orderId);
    const payments = await onEveryNode<{ order_id: string; id: string }>('SELECT order_id, id FROM payments WHERE order_id IN (?)', [orderIds]);
    const answered = new Map(checkouts.map((c) => [c.orderId, (JSON.parse(c.answer!.body) as { id: number }).id]));
    for (const node of NODES) {
      const rows = payments.get(node)!;
      expect(rows).toHaveLength(checkouts.length);
      for (const row of rows) expect(Number(row.id)).toBe(answered.get(Number(row.order_id)));
    }
    const states = await onEveryNode<{ state: string }>("SELECT VARIABLE_VALUE AS state FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'wsrep_local_state_comment'");
    expect(NODES.map((node) => states.get(node)![0].state)).toEqual(['Synced', 'Synced', 'Synced']);
    console.log(`node loss: every node agrees on ${JSON.stringify(await expectEveryNodeAgrees())}`);
  });
});

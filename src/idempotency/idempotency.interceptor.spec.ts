import { describe, expect, it, jest } from '@jest/globals';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { lastValueFrom, of, throwError } from 'rxjs';
import { DatabaseBusyError, ValidationFailedError } from '../common/errors/index.js';
import { PreparedResponse } from '../common/http/prepared-response.js';
import { CarriedCommitFailedError, type HandOver, type TransactionRunner } from '../common/transaction/index.js';
import { OrderNotFoundError } from '../order/order.errors.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { IdempotencyKeyInProgressError, IdempotencyLeaseLostError } from './idempotency.errors.js';
import { IDEMPOTENT_OPTIONS } from './idempotent.options.js';
import type { IdempotencyService, Resolution } from './idempotency.service.js';
import type { InFlightClaims } from './in-flight-claims.js';
import type { MemoryReplays } from './memory-replays.js';
import { storeJson } from './stored-response.js';

/** The interceptor with its I/O replaced: what it stores, releases and sends. */
function setUp(resolution: Resolution = { outcome: 'new', claim: { scope: { accountId: 1, userId: 0 }, key: 'k1', token: 1, fingerprint: 'f', expiresAt: 1, context: { requestId: 'r-1' } } }) {
  const idempotency = {
    claim: jest.fn(async (..._args: unknown[]) => resolution),
    fromMemory: jest.fn((): unknown => undefined),
    complete: jest.fn((_session: unknown, _claim: unknown, _response: unknown): void => undefined),
    release: jest.fn(async (_claim: unknown) => undefined),
    remember: jest.fn(),
  };
  const transactions = {
    runNew: jest.fn(<T>(work: (session: unknown) => Promise<T>, _options?: unknown) => work({ session: 'fake' })),
    countLostRace: jest.fn((_error: unknown) => true),
  };
  const handler = () => undefined;
  Reflect.defineMetadata(IDEMPOTENT_OPTIONS, { required: true, status: 200 }, handler);
  const request = { method: 'POST', url: '/api/v1/payments', body: { orderId: 1, userId: 2 }, caller: { kind: 'api_key', accountId: 1, apiKeyId: 1 }, raw: { rawHeaders: ['Idempotency-Key', 'k1'] }, context: { requestId: 'r-1' } as { requestId: string; transaction?: unknown } };
  const reply = { sentHeaders: {} as Record<string, string>, headers(h: Record<string, string>) { Object.assign(this.sentHeaders, h); return this; } };
  const context = {
    getHandler: () => handler,
    getClass: () => Object,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ExecutionContext;
  const interceptor = new IdempotencyInterceptor(
    new Reflector(),
    idempotency as unknown as IdempotencyService,
    transactions as unknown as TransactionRunner,
    { track: <T>(work: Promise<T>) => work } as InFlightClaims,
    { learn: () => undefined } as unknown as MemoryReplays,
  );
  const run = async (handle: CallHandler['handle']) => lastValueFrom(await interceptor.intercept(context, { handle })) as Promise<Buffer>;
  return { idempotency, transactions, run, reply, request: request as typeof request & { idempotency?: unknown } };
}

describe('IdempotencyInterceptor', () => {
  it('stores the serialized result, in the transaction the handler ran in, and sends those same bytes', async () => {
    const { idempotency, run, reply, request } = setUp();
    let handlerTransaction: unknown;
    const sent = await run(() => {
      handlerTransaction = request.context.transaction;
      return of({ id: 7, name: '김밥 🍙' });
    });
    expect(reply.sentHeaders).toEqual({ 'content-type': 'application/json; charset=utf-8' });
    const [session, claim, stored] = idempotency.complete.mock.calls[0] as [unknown, unknown, ReturnType<typeof storeJson>];
    expect(handlerTransaction).toEqual({ session: 'fake' });
    expect(session).toBe(handlerTransaction);
    expect(request.context.transaction).toBeUndefined();
    expect(claim).toEqual({ scope: { accountId: 1, userId: 0 }, key: 'k1', token: 1, fingerprint: 'f', expiresAt: 1, context: { requestId: 'r-1' } });
    expect(Buffer.compare(stored.body, sent)).toBe(0);
    expect(sent.toString('utf8')).toBe('{"id":7,"name":"김밥 🍙"}');
  });

  it('replays a cached success without running the handler, marked as a replay', async () => {
    const cached = storeJson(200, { id: 7 });
    const { idempotency, run, reply } = setUp({ outcome: 'cached', response: cached });
    const handle = jest.fn(() => of('must not run'));
    const sent = await run(handle);
    expect(handle).not.toHaveBeenCalled();
    expect(sent.equals(cached.body)).toBe(true);
    expect(reply.sentHeaders['idempotent-replayed']).toBe('true');
    expect(idempotency.complete).not.toHaveBeenCalled();
  });

  it('replays a key held in memory without the locking lookup', async () => {
    const held = storeJson(200, { id: 8 });
    const { idempotency, run, reply } = setUp();
    idempotency.fromMemory.mockReturnValueOnce(held);
    const sent = await run(() => of('must not run'));
    expect(sent.equals(held.body)).toBe(true);
    expect(reply.sentHeaders['idempotent-replayed']).toBe('true');
    expect(idempotency.claim).not.toHaveBeenCalled();
  });

  it("takes the replay hook's key and fingerprint as they are, without looking in memory again", async () => {
    const { idempotency, run, request } = setUp();
    Object.assign(request, { idempotencyLookup: { key: 'from-hook', fingerprint: 'hook-fingerprint' } });
    await run(() => of({ id: 1 }));
    expect(idempotency.fromMemory).not.toHaveBeenCalled();
    expect(idempotency.claim).toHaveBeenCalledWith(request.context, { accountId: 1, userId: 0 }, 'from-hook', 'hook-fingerprint', 'POST /api/v1/payments');
  });

  it('replays a cached error with its own status, through the exception filter', async () => {
    const cached = storeJson(422, { code: 'INSUFFICIENT_BALANCE' });
    const { run } = setUp({ outcome: 'cached', response: cached });
    const thrown = (await run(() => of('must not run')).catch((e: unknown) => e)) as PreparedResponse;
    expect(thrown).toBeInstanceOf(PreparedResponse);
    expect(thrown.status).toBe(422);
    expect(thrown.body.equals(cached.body)).toBe(true);
    expect(thrown.headers['idempotent-replayed']).toBe('true');
  });

  it('stores a business error and answers it with its own status', async () => {
    const { idempotency, run } = setUp();
    const thrown = (await run(() => throwError(() => new OrderNotFoundError(5))).catch((e: unknown) => e)) as PreparedResponse;
    expect(thrown.status).toBe(404);
    expect(thrown.headers['idempotent-replayed']).toBeUndefined();
    expect(JSON.parse(thrown.body.toString())).toEqual({ statusCode: 404, code: 'ORDER_NOT_FOUND', message: 'Order 5 does not exist', error: 'Not Found' });
    expect(idempotency.complete).toHaveBeenCalledTimes(1);
    expect(idempotency.release).not.toHaveBeenCalled();
  });

  it.each([
    ['a server fault', new Error('connection lost')],
    ['a validation failure', new ValidationFailedError('orderId must be an integer')],
  ])('stores nothing after %s: the key is released and the error goes on', async (_label, error) => {
    const { idempotency, run } = setUp();
    await expect(run(() => throwError(() => error))).rejects.toBe(error);
    expect(idempotency.complete).not.toHaveBeenCalled();
    expect(idempotency.release).toHaveBeenCalledWith({ scope: { accountId: 1, userId: 0 }, key: 'k1', token: 1, fingerprint: 'f', expiresAt: 1, context: { requestId: 'r-1' } });
  });

  it('does not store the outcome of a claim that lost its lease, and notes it as fenced', async () => {
    const { idempotency, transactions, run, request } = setUp();
    const lost = new IdempotencyLeaseLostError(1);
    // The fenced completion is queued; the COMMIT it rides with is what fails.
    transactions.runNew.mockImplementationOnce(async <T>(work: (session: unknown) => Promise<T>) => {
      await work({ session: 'fake' });
      throw lost;
    });
    await expect(run(() => of({ id: 1 }))).rejects.toBe(lost);
    expect(idempotency.complete).toHaveBeenCalledTimes(1);
    expect(request.idempotency).toEqual({ outcome: 'fenced', key: 'k1' });
  });

  it("looks the key up again when the claim's COMMIT, sent with the handler's first statements, lost its race; nothing is released", async () => {
    const { idempotency, transactions, run, request } = setUp();
    const lostRace = new CarriedCommitFailedError(new Error('ER_DUP_ENTRY'));
    transactions.runNew.mockRejectedValueOnce(lostRace);
    idempotency.claim.mockResolvedValueOnce((await idempotency.claim()) as Resolution).mockRejectedValueOnce(new IdempotencyKeyInProgressError(1));
    idempotency.claim.mockClear();
    await expect(run(() => of({ id: 1 }))).rejects.toBeInstanceOf(IdempotencyKeyInProgressError);
    expect(idempotency.claim).toHaveBeenCalledTimes(2);
    expect(transactions.countLostRace).toHaveBeenCalledWith(lostRace.cause);
    expect(idempotency.release).not.toHaveBeenCalled();
    expect(idempotency.complete).not.toHaveBeenCalled();
    expect(request.idempotency).toEqual({ outcome: 'in_progress', key: 'k1' });
  });

  it('answers DATABASE_BUSY after three lost races, and passes on a carried failure that was no race', async () => {
    const racing = setUp();
    racing.transactions.runNew.mockRejectedValue(new CarriedCommitFailedError(new Error('ER_DUP_ENTRY')));
    await expect(racing.run(() => of({ id: 1 }))).rejects.toBeInstanceOf(DatabaseBusyError);
    expect(racing.idempotency.claim).toHaveBeenCalledTimes(3);
    const broken = setUp();
    const cause = new Error('connection lost');
    broken.transactions.runNew.mockRejectedValue(new CarriedCommitFailedError(cause));
    broken.transactions.countLostRace.mockReturnValue(false);
    await expect(broken.run(() => of({ id: 1 }))).rejects.toBe(cause);
    expect(broken.idempotency.claim).toHaveBeenCalledTimes(1);
    expect(broken.idempotency.release).not.toHaveBeenCalled();
  });

  it('runs the handler in the transaction the claim was handed to', async () => {
    const handOver = { runner: 'the claim\'s connection' } as unknown as HandOver;
    const claim = { scope: { accountId: 1, userId: 0 }, key: 'k1', token: 1, fingerprint: 'f', expiresAt: 1, context: { requestId: 'r-1' }, after: handOver };
    const { transactions, run } = setUp({ outcome: 'new', claim });
    await run(() => of({ id: 1 }));
    expect(transactions.runNew.mock.calls[0][1]).toEqual({ context: { requestId: 'r-1' }, after: handOver });
    // Consumed: a retry of the handler's transaction starts afresh.
    expect(claim.after).toBeUndefined();
  });

  it('notes what the key led to on the request, for its log line and /metrics', async () => {
    const claim = { scope: { accountId: 1, userId: 0 }, key: 'k1', token: 2, fingerprint: 'f', expiresAt: 1, context: { requestId: 'r-1' } };
    const fresh = setUp();
    await fresh.run(() => of({ id: 1 }));
    expect(fresh.request.idempotency).toEqual({ outcome: 'new', key: 'k1' });
    const replayed = setUp({ outcome: 'cached', response: storeJson(200, { id: 1 }) });
    await replayed.run(() => of('must not run'));
    expect(replayed.request.idempotency).toEqual({ outcome: 'replayed', key: 'k1' });
    const takenOver = setUp({ outcome: 'new', claim, takenOver: true });
    await takenOver.run(() => of({ id: 1 }));
    expect(takenOver.request.idempotency).toEqual({ outcome: 'taken_over', key: 'k1' });
    const inFlight = setUp();
    inFlight.idempotency.claim.mockRejectedValueOnce(new IdempotencyKeyInProgressError(1));
    await expect(inFlight.run(() => of('must not run'))).rejects.toBeInstanceOf(IdempotencyKeyInProgressError);
    expect(inFlight.request.idempotency).toEqual({ outcome: 'in_progress', key: 'k1' });
    const twice = setUp();
    twice.request.raw.rawHeaders = ['Idempotency-Key', 'k1', 'Idempotency-Key', 'k2'];
    await expect(twice.run(() => of('must not run'))).rejects.toThrow();
    expect(twice.request.idempotency).toEqual({ outcome: 'invalid', key: undefined });
  });
});

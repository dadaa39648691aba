import { Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { lastValueFrom, of, type Observable } from 'rxjs';
import { scopeUserIdOf } from '../auth/caller.js';
import { DatabaseBusyError, DomainError, toErrorResponse, type DomainErrorKind } from '../common/errors/index.js';
import { logFieldsOf, type RequestContext } from '../common/context/index.js';
import { shortHash } from '../common/logging/index.js';
import { CarriedCommitFailedError, isDatabaseUnreachable, TransactionRunner } from '../common/transaction/index.js';
import { noteIdempotency, type IdempotencyOutcome } from './idempotency-outcome.js';
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError, IdempotencyLeaseLostError } from './idempotency.errors.js';
import { IdempotencyService, type Claim } from './idempotency.service.js';
import { InFlightClaims } from './in-flight-claims.js';
import { lookupOf, MemoryReplays } from './memory-replays.js';
import { IDEMPOTENT_OPTIONS, type IdempotentOptions } from './idempotent.options.js';
import { sendStored, storeJson, type StoredResponse } from './stored-response.js';

/** A claim that lost its race is looked up again, as often as a transaction is retried. */
const MAX_CLAIM_ATTEMPTS = 3;
/** Business outcomes are final and replayed like a success; invalid input and server faults are not stored. */
const STORED_ERROR_KINDS = new Set<DomainErrorKind>(['forbidden', 'not_found', 'conflict', 'unprocessable']);

/** A refusal's outcome for the log line and /metrics (a database fault is none of them). */
function refusalOutcome(error: unknown): IdempotencyOutcome | undefined {
  if (error instanceof IdempotencyLeaseLostError) return 'fenced';
  if (error instanceof IdempotencyKeyInProgressError) return 'in_progress';
  if (error instanceof IdempotencyKeyReusedError) return 'reused';
  return undefined;
}

function isStoredOutcome(error: unknown): error is DomainError {
  return error instanceof DomainError && STORED_ERROR_KINDS.has(error.kind) && !(error instanceof IdempotencyKeyInProgressError);
}

/**
 * Resolves the Idempotency-Key and, for a new key, owns the request's transaction: the
 * handler's writes and the stored response commit together, so there is never a payment
 * without its stored answer, nor a stored answer without its payment.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly idempotency: IdempotencyService,
    private readonly transactions: TransactionRunner,
    private readonly inFlight: InFlightClaims,
    private readonly memoryReplays: MemoryReplays,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const handler = context.getHandler();
    const options = this.reflector.get<IdempotentOptions>(IDEMPOTENT_OPTIONS, handler);
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    this.memoryReplays.learn(request, options, handler, context.getClass());
    const reply = http.getResponse<FastifyReply>();
    const routeStatus = options.status;
    // The guard ran first: a key belongs to its caller, so two callers' equal strings never meet.
    const caller = request.caller!;
    const scope = { accountId: caller.accountId, userId: scopeUserIdOf(caller) };

    // What the replay hook already worked out (it found the key not in memory), or the same worked out here.
    let lookup = request.idempotencyLookup;
    if (!lookup) {
      try {
        lookup = lookupOf(request, options.required);
      } catch (error) {
        noteIdempotency(request, 'invalid');
        throw error;
      }
      if (lookup === null) return next.handle();
      let inMemory: StoredResponse | undefined;
      try {
        inMemory = this.idempotency.fromMemory(scope, lookup.key, lookup.fingerprint);
      } catch (error) {
        noteIdempotency(request, 'reused', lookup.key);
        throw error;
      }
      if (inMemory) {
        noteIdempotency(request, 'replayed', lookup.key);
        return of(sendStored(reply, inMemory, routeStatus, true));
      }
    }
    const { key, fingerprint } = lookup;
    const noteRefusal = (error: unknown): never => {
      const outcome = refusalOutcome(error);
      if (outcome) noteIdempotency(request, outcome, key);
      throw error;
    };

    const route = `${request.method} ${request.url}`;
    for (let attempt = 1; ; attempt++) {
      const resolution = await this.idempotency.claim(request.context, scope, key, fingerprint, route).catch(noteRefusal);
      if (resolution.outcome === 'cached') {
        noteIdempotency(request, 'replayed', key);
        return of(sendStored(reply, resolution.response, routeStatus, true));
      }

      noteIdempotency(request, resolution.takenOver ? 'taken_over' : 'new', key);
      try {
        const stored = await this.inFlight.track(this.runClaimed(request.context, resolution.claim, routeStatus, next));
        return of(sendStored(reply, stored, routeStatus, false));
      } catch (error) {
        // The claim's COMMIT, sent with the handler's first statements, lost a race (another request
        // with the key committed first): looked up again, the winner's row answers (409, 422 or its replay).
        if (!(error instanceof CarriedCommitFailedError)) return noteRefusal(error);
        const lostRace = this.transactions.countLostRace(error.cause);
        if (lostRace && attempt < MAX_CLAIM_ATTEMPTS) continue;
        return noteRefusal(lostRace ? new DatabaseBusyError() : error.cause);
      }
    }
  }

  private async runClaimed(context: RequestContext, claim: Claim, successStatus: number, next: CallHandler): Promise<StoredResponse> {
    const after = claim.after;
    claim.after = undefined;
    let stored: StoredResponse;
    try {
      stored = await this.transactions.runNew(
        async (session) => {
          // The handler's services join this transaction through the request's context.
          context.transaction = session;
          let result: unknown;
          try {
            result = await lastValueFrom(next.handle(), { defaultValue: undefined });
          } finally {
            context.transaction = undefined;
          }
          const response = storeJson(successStatus, result);
          this.idempotency.complete(session, claim, response);
          return response;
        },
        { context, after },
      );
    } catch (error) {
      // The claim never committed: there is nothing to release or store.
      if (error instanceof CarriedCommitFailedError) throw error;
      if (!isStoredOutcome(error)) {
        await this.idempotency.release(claim).catch((releaseError: unknown) => {
          // Without the database the key stays PROCESSING; the reaper releases it once its lease runs out.
          if (!isDatabaseUnreachable(releaseError)) this.logger.error({ msg: `could not release the key: ${String(releaseError)}`, keyHash: shortHash(claim.key), ...logFieldsOf(context) });
        });
        throw error;
      }
      // The business transaction rolled back; its answer is final all the same, so it is kept.
      const { body } = toErrorResponse(error);
      stored = storeJson(body.statusCode, body);
      await this.transactions.runNew(async (session) => this.idempotency.complete(session, claim, stored), { context });
    }
    this.idempotency.remember(claim, stored);
    return stored;
  }
}

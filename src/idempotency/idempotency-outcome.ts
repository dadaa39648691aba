import type { FastifyRequest } from 'fastify';

/** What the Idempotency-Key of a request led to; each request is counted and logged once, by its last outcome. */
export const IDEMPOTENCY_OUTCOMES = ['new', 'replayed', 'in_progress', 'reused', 'invalid', 'taken_over', 'fenced'] as const;
export type IdempotencyOutcome = (typeof IDEMPOTENCY_OUTCOMES)[number];

export interface IdempotencyNote {
  outcome: IdempotencyOutcome;
  /** Kept for the log line's hash only; never logged or exported itself. */
  key?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: IdempotencyNote | null;
  }
}

/** Tells the request's log line and metrics what its key led to. */
export function noteIdempotency(request: FastifyRequest, outcome: IdempotencyOutcome, key?: string): void {
  request.idempotency = { outcome, key };
}

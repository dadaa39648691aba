/**
 * An answer whose bytes are already decided (a stored idempotent response) but whose status
 * differs from the route's own, e.g. a stored 404 replayed on a route that answers 200. It is
 * thrown, and the exception filter writes it as it is: status, headers and the same bytes.
 */
export class PreparedResponse extends Error {
  constructor(
    readonly status: number,
    readonly body: Buffer,
    readonly headers: Record<string, string>,
  ) {
    super(`prepared ${status} response`);
  }
}

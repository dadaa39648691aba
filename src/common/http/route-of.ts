import type { FastifyRequest } from 'fastify';

/** The one label every request that matched no route shares: raw URLs would be unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The route pattern a request matched (`/api/v1/payments/:id`), never its raw URL. */
export function routeOf(request: FastifyRequest): string {
  return request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
}

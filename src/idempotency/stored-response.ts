import type { FastifyReply } from 'fastify';
import { PreparedResponse } from '../common/http/prepared-response.js';
import { JSON_CONTENT_TYPE } from '../common/http/send-json.js';

/** A response as it was first sent: serialized once, kept as bytes, sent again as those bytes. */
export interface StoredResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

export function storeJson(status: number, value: unknown): StoredResponse {
  return { status, contentType: JSON_CONTENT_TYPE, body: Buffer.from(JSON.stringify(value) ?? 'null', 'utf8') };
}

/** The headers a stored response goes out with; a replay says that it is one. */
export function storedHeaders(stored: StoredResponse, replayed: boolean): Record<string, string> {
  return replayed ? { 'content-type': stored.contentType, 'idempotent-replayed': 'true' } : { 'content-type': stored.contentType };
}

/**
 * What the interceptor hands back to send a stored response. With the route's own status the
 * bytes go out through the normal reply path (Fastify sends a Buffer untouched); any other
 * status is thrown as a PreparedResponse for the exception filter to write.
 */
export function sendStored(reply: FastifyReply, stored: StoredResponse, routeStatus: number, replayed: boolean): Buffer {
  const headers = storedHeaders(stored, replayed);
  if (stored.status !== routeStatus) throw new PreparedResponse(stored.status, stored.body, headers);
  reply.headers(headers);
  return stored.body;
}

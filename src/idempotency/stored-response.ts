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

/**
 * The web Response Nest sends as it is: its status wins over the route's @HttpCode, which
 * is what lets a stored 404 or 409 be replayed from a route that normally answers 200.
 */
export function toWebResponse(stored: StoredResponse, replayed: boolean): Response {
  const headers: Record<string, string> = {
    'content-type': stored.contentType,
    'content-length': String(stored.body.length),
  };
  if (replayed) headers['idempotent-replayed'] = 'true';
  return new Response(new Uint8Array(stored.body), { status: stored.status, headers });
}

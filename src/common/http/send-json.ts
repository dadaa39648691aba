import type { FastifyReply } from 'fastify';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Writes an already-serialized JSON body as it is: no second serialization on the way out. */
export function sendJson(reply: FastifyReply, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  if (reply.sent) return;
  reply.status(status).headers(headers).header('content-type', JSON_CONTENT_TYPE).send(body);
}

import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** A socket error seen before the whole answer arrived (ECONNRESET, EPIPE), if any. */
  error?: string;
}

/**
 * Sends bytes exactly as given over a fresh TCP connection and reads one response, for what a
 * well-behaved client (fetch, supertest) refuses to send: control characters in headers, bodies
 * that are not UTF-8, 2 MB uploads the server refuses half-way. `body` may be sent in chunks.
 */
export function rawRequest(baseUrl: string, head: string, body: Buffer | Buffer[] = []): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    let error: string | undefined;
    let settled = false;
    const finish = () => {
      if (settled) return;
      const text = Buffer.concat(received).toString('utf8');
      const [headText, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...headerLines] = headText.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      const length = Number(headers['content-length']);
      const bodyText = rest.join('\r\n\r\n');
      // Wait for the whole body unless the socket is gone.
      if (!socket.destroyed && !(Number.isFinite(length) && Buffer.byteLength(bodyText) >= length)) return;
      settled = true;
      socket.destroy();
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: bodyText, error });
    };
    socket.on('data', (chunk) => {
      received.push(chunk);
      finish();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', finish);
    const chunks = [Buffer.from(head, 'latin1'), ...(Array.isArray(body) ? body : [body])];
    const writeNext = (): void => {
      while (chunks.length > 0 && !socket.destroyed) {
        const chunk = chunks.shift()!;
        if (!socket.write(chunk)) {
          socket.once('drain', writeNext);
          return;
        }
      }
    };
    writeNext();
  });
}

// Uploads a body over the limit from its own process, as a real client does: in the test's own
// process the client and the server share one event loop, and the race that loses the 413 to a
// connection reset (the server closing while the client still sends) never shows.
// Usage: node upload-client.mjs <port> <path> <bytes> <chunked|length> <attempts>; prints JSON.
import { connect } from 'node:net';

const [port, path, bytes, mode, attempts] = process.argv.slice(2);
const chunked = mode === 'chunked';

function upload() {
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    let error = null;
    let doneSending = false;
    // Hang up once everything is sent and the whole answer is in (or after 5 s).
    const answered = () => {
      const at = received.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(received.slice(0, at))?.[1];
      return at >= 0 && length !== undefined && Buffer.byteLength(received.slice(at + 4)) >= Number(length);
    };
    const hangUpWhenDone = () => doneSending && answered() && socket.end();
    socket.on('data', (data) => {
      received += data;
      hangUpWhenDone();
    });
    socket.on('error', (e) => (error = e.code ?? e.message));
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1] ?? 0), body, error });
    });
    const length = Number(bytes);
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nIdempotency-Key: upload-${Date.now()}\r\n` +
        (chunked ? 'Transfer-Encoding: chunked\r\n\r\n' : `Content-Length: ${length}\r\n\r\n`),
    );
    const piece = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const next = () => {
      while (sent < length && !socket.destroyed) {
        sent += piece.length;
        const ok = socket.write(chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
        if (!ok) return void socket.once('drain', next);
      }
      if (chunked && !socket.destroyed) socket.write('0\r\n\r\n');
      doneSending = true;
      hangUpWhenDone();
      setTimeout(() => socket.destroy(), 5000).unref();
    };
    next();
  });
}

const results = [];
for (let i = 0; i < Number(attempts); i++) results.push(await upload());
process.stdout.write(JSON.stringify(results));

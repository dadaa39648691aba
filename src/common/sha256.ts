import { hash } from 'node:crypto';

/** SHA-256 of UTF-8 text, in hex. Node's one-shot hash: a createHash object per call costs a request a few microseconds more. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

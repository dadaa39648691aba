import { JSON_CONTENT_TYPE } from '../common/http/send-json.js';
import type { StoredResponse } from './stored-response.js';

interface Entry {
  fingerprint: string;
  response: StoredResponse;
  expiresAt: number;
}

/** What /metrics reads: plain numbers, so a lookup costs an increment and nothing more. */
export interface ReplayCacheStats {
  readonly size: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
}

/** What an entry costs beyond its body: key, fingerprint, the Map slot and the objects around them. */
const ENTRY_OVERHEAD_BYTES = 320;

/**
 * One object and three strings (key, fingerprint, body): what the old generation holds for an answer. Each
 * entry lives until it is evicted, so every full collection marks all of them, and a collection's
 * marking ran on the core MariaDB needed (BENCHMARKS.md). The body is kept as a one-byte (latin1)
 * string of its bytes, which maps every byte to one character and back: a Buffer would add a typed
 * array, an ArrayBuffer and a malloc'd store apiece.
 */
interface Kept {
  fingerprint: string;
  status: number;
  contentType: string;
  /** The body's bytes, one character each. */
  bytes: string;
  expiresAt: number;
  /** What the entry counts against the capacity. */
  cost: number;
}

/**
 * Completed keys kept in memory, so a replay costs no database round trip. Safe across
 * processes because a COMPLETED row never changes until it expires, and an entry is never
 * used past the row's own expiry. Bounded by bytes (IDEMPOTENCY_CACHE_BYTES), least recently
 * used first out; it keeps its own copy of each body, never a slice that would pin the
 * driver's whole packet buffer.
 */
export class CompletedResponseCache implements ReplayCacheStats {
  private readonly entries = new Map<string, Kept>();
  private usedBytes = 0;
  private hitCount = 0;
  private missCount = 0;

  constructor(private readonly capacityBytes: number) {}

  get(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.missCount++;
      return undefined;
    }
    this.entries.delete(key);
    if (entry.expiresAt <= now) {
      this.usedBytes -= entry.cost;
      this.missCount++;
      return undefined;
    }
    this.entries.set(key, entry); // most recently used goes last
    this.hitCount++;
    // A Buffer of its own for each replay: short-lived, so the young generation takes it back.
    const response = { status: entry.status, contentType: entry.contentType, body: Buffer.from(entry.bytes, 'latin1') };
    return { fingerprint: entry.fingerprint, response, expiresAt: entry.expiresAt };
  }

  /** Call only once the row is committed as COMPLETED. */
  set(key: string, { fingerprint, response, expiresAt }: Entry): void {
    const cost = response.body.length + key.length + fingerprint.length + ENTRY_OVERHEAD_BYTES;
    if (cost > this.capacityBytes) return;
    this.delete(key);
    // A string of its own: nothing of the driver's packet (or of Node's pool slabs) is kept alive by it.
    const bytes = response.body.toString('latin1');
    const contentType = response.contentType === JSON_CONTENT_TYPE ? JSON_CONTENT_TYPE : response.contentType;
    this.entries.set(key, { fingerprint, status: response.status, contentType, bytes, expiresAt, cost });
    this.usedBytes += cost;
    for (const [oldest, entry] of this.entries) {
      if (this.usedBytes <= this.capacityBytes) break;
      this.entries.delete(oldest);
      this.usedBytes -= entry.cost;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes counted against IDEMPOTENCY_CACHE_BYTES. */
  get bytes(): number {
    return this.usedBytes;
  }

  /** Lookups answered from memory. */
  get hits(): number {
    return this.hitCount;
  }

  /** Lookups that went on to the database. */
  get misses(): number {
    return this.missCount;
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.usedBytes -= entry.cost;
  }
}

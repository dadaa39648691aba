import type { StoredResponse } from './stored-response.js';

interface Entry {
  fingerprint: string;
  response: StoredResponse;
  expiresAt: number;
}

/**
 * Completed keys kept in memory, so a replay costs no database round trip. Safe across
 * processes because a COMPLETED row never changes until it expires, and an entry is never
 * used past the row's own expiry. Least recently used entries go first.
 */
export class CompletedResponseCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity: number) {}

  get(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.entries.set(key, entry); // most recently used goes last
    return entry;
  }

  /** Call only once the row is committed as COMPLETED. */
  set(key: string, entry: Entry): void {
    if (this.capacity === 0) return;
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

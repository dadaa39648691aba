// Idempotency keys and run ids. Pure: NO k6 imports.
//
// k6 v1 exposes the WebCrypto API as the global `crypto` (the former k6/experimental/webcrypto
// module graduated in v1.0), so `crypto.randomUUID()` gives a UUID v4, which is what the
// contract says clients should send. Older k6 builds have no global `crypto`: then the key is
// built from the run id, the VU, the iteration and a random suffix, which is unique within a
// run and across runs, and works offline (no jslib download).

const VISIBLE_ASCII_RE = /^[\x21-\x7e]{1,255}$/;

/** The contract's rule: 1 to 255 characters of visible ASCII. */
export function isValidIdempotencyKey(key) {
  return typeof key === 'string' && VISIBLE_ASCII_RE.test(key);
}

function globalCrypto() {
  return typeof crypto !== 'undefined' ? crypto : undefined;
}

/**
 * A fresh key. `parts` (e.g. [runId, __VU, __ITER]) name the fallback key; `cryptoImpl` is for
 * tests (pass null to force the fallback); by default the global crypto is used when present.
 */
export function newIdempotencyKey(parts, cryptoImpl) {
  const c = cryptoImpl === undefined ? globalCrypto() : cryptoImpl;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const cleaned = (parts || []).map((p) => String(p).replace(/[^\x21-\x7e]/g, '_'));
  const suffix = Math.random().toString(36).slice(2, 10) || '0';
  return ['k6'].concat(cleaned, [suffix]).join('-').slice(0, 255);
}

/** A short id for one run, used in user names and fallback keys. */
export function newRunId(now = Date.now(), random = Math.random) {
  return `${Number(now).toString(36)}${Math.floor(random() * 1679616).toString(36).padStart(4, '0')}`;
}

import { isUtf8 } from 'node:buffer';
import { InvalidJsonError, UnsupportedMediaTypeError, ValidationFailedError } from '../errors/index.js';

/**
 * Deepest nesting a body may have. Ours nest 3 deep ({ items: [ {…} ] }); the limit only has to
 * keep the recursive steps after parsing (class-transformer, the request fingerprint) far from
 * the stack's end, and to refuse 2,000 levels of `[` in a few KB before any of them runs.
 */
export const MAX_JSON_DEPTH = 32;

/** Keys that would reach an object's prototype in code that copies bodies; no DTO has them. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** A key can only spell one of them literally or with a \u escape: bodies without either skip the walk. */
const MAY_NAME_PROTOTYPE_KEY = /__proto__|constructor|prototype|\\u/;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Whether the JSON text nests deeper than `max`, found in one pass over the bytes without
 * allocating. Brackets inside strings do not count; malformed text is left to JSON.parse.
 * (UTF-8 multi-byte sequences never contain bytes below 0x80, so scanning bytes is safe.)
 */
export function nestsDeeperThan(body: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/** The path of the first `__proto__`, `constructor` or `prototype` key, at any depth, or null. */
export function findPrototypeKey(value: unknown, path = ''): string | null {
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findPrototypeKey(value[i], path ? `${path}.${i}` : String(i));
      if (found) return found;
    }
    return null;
  }
  for (const key in value) {
    const keyPath = path ? `${path}.${key}` : key;
    if (PROTOTYPE_KEYS.has(key)) return keyPath;
    const found = findPrototypeKey((value as Record<string, unknown>)[key], keyPath);
    if (found) return found;
  }
  return null;
}

/** The charset parameter of a Content-Type header, lower-cased and unquoted, or undefined. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = contentType?.match(/;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i);
  return match ? (match[1] ?? match[2]).toLowerCase() : undefined;
}

/**
 * Reads an application/json body: UTF-8 only (as RFC 8259 requires), bounded in depth, parsed,
 * and with prototype keys refused as the unknown fields they are (Nest's pipe would silently
 * drop them). Throws the contract's errors; returns the parsed value.
 */
export function parseJsonBody(body: Buffer, contentType: string | undefined): unknown {
  const charset = charsetOf(contentType);
  if (charset !== undefined && charset !== 'utf-8') {
    throw new UnsupportedMediaTypeError(`Only UTF-8 JSON is accepted, not charset=${charset.slice(0, 40)}`);
  }
  if (body.length === 0) throw new InvalidJsonError('The request body is empty');
  if (!isUtf8(body)) throw new InvalidJsonError('The request body is not valid UTF-8');
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) throw new InvalidJsonError(`The request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  const text = body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidJsonError('The request body is not valid JSON');
  }
  const prototypeKey = MAY_NAME_PROTOTYPE_KEY.test(text) ? findPrototypeKey(value) : null;
  if (prototypeKey !== null) throw new ValidationFailedError(`property ${prototypeKey} should not exist`);
  return value;
}

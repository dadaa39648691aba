import { describe, expect, it } from '@jest/globals';
import { InvalidJsonError, UnsupportedMediaTypeError, ValidationFailedError } from '../errors/index.js';
import { charsetOf, findPrototypeKey, MAX_JSON_DEPTH, nestsDeeperThan, parseJsonBody } from './json-body.parser.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('nestsDeeperThan', () => {
  it.each([
    ['{}', 1, false],
    ['{"a":[{"b":1}]}', 3, false],
    ['{"a":[{"b":1}]}', 2, true],
    ['[[[]]]', 2, true],
    ['"[[[[[[[["', 1, false], // brackets in a string do not count
    ['{"a\\"[[[[":1}', 1, false], // nor after an escaped quote
    ['["\\\\",[[1]]]', 2, true], // an escaped backslash ends before the quote
    ['[][][][][]', 1, false], // siblings are not depth
  ])('%s deeper than %i: %s', (text, max, deeper) => {
    expect(nestsDeeperThan(bytes(text), max)).toBe(deeper);
  });

  it('finds 2,000 levels in a 4 KB body', () => {
    expect(nestsDeeperThan(bytes('['.repeat(2000) + ']'.repeat(2000)), MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('findPrototypeKey', () => {
  it.each([
    ['{"name":"a"}', null],
    ['{"name":"constructor"}', null], // a value, not a key
    ['{"__proto__":{}}', '__proto__'],
    ['{"a":{"constructor":1}}', 'a.constructor'],
    ['{"items":[{"x":1},{"prototype":2}]}', 'items.1.prototype'],
    ['[{"\\u0063onstructor":1}]', '0.constructor'],
  ])('%s → %s', (text, path) => {
    expect(findPrototypeKey(JSON.parse(text))).toBe(path);
  });
});

describe('charsetOf', () => {
  it.each([
    ['application/json', undefined],
    ['application/json; charset=utf-8', 'utf-8'],
    ['application/json;charset=UTF-8', 'utf-8'],
    ['application/json; charset="UTF-8"', 'utf-8'],
    ['application/json; foo=bar; charset=latin1', 'latin1'],
    ['application/json; charset=', ''],
    [undefined, undefined],
  ])('%s → %s', (header, charset) => {
    expect(charsetOf(header)).toBe(charset);
  });
});

describe('parseJsonBody', () => {
  it('parses UTF-8 JSON, keeping every character', () => {
    expect(parseJsonBody(bytes('{"name":"김 ❤️ 😀"}'), 'application/json; charset=utf-8')).toEqual({ name: '김 ❤️ 😀' });
  });

  it.each([
    ['application/json; charset=latin1'],
    ['application/json; charset=utf-16'],
    ['application/json; charset=""'],
  ])('refuses %s with 415', (type) => {
    expect(() => parseJsonBody(bytes('{}'), type)).toThrow(UnsupportedMediaTypeError);
  });

  it.each([
    ['empty', Buffer.alloc(0), /empty/],
    ['latin-1 bytes', Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]), /UTF-8/],
    ['an encoded surrogate', Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), /UTF-8/],
    ['malformed', bytes('{"a":'), /not valid JSON/],
    ['too deep', bytes('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1)), /deeper than 32/],
  ])('refuses %s with INVALID_JSON', (_name, body, message) => {
    expect(() => parseJsonBody(body, 'application/json')).toThrow(InvalidJsonError);
    expect(() => parseJsonBody(body, 'application/json')).toThrow(message);
  });

  it('accepts the deepest allowed body', () => {
    const text = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(() => parseJsonBody(bytes(text), 'application/json')).not.toThrow();
  });

  it('refuses prototype keys as unknown fields, naming them', () => {
    expect(() => parseJsonBody(bytes('{"name":"a","__proto__":{"admin":true}}'), undefined)).toThrow(ValidationFailedError);
    expect(() => parseJsonBody(bytes('{"items":[{"constructor":{"prototype":{}}}]}'), undefined)).toThrow('property items.0.constructor should not exist');
  });
});

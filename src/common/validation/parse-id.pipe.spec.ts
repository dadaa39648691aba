import { describe, expect, it } from '@jest/globals';
import { ValidationFailedError } from '../errors/index.js';
import { ParseIdPipe } from './parse-id.pipe.js';

describe('ParseIdPipe', () => {
  const pipe = new ParseIdPipe();

  it.each([
    ['1', 1],
    ['42', 42],
    ['9007199254740991', 9007199254740991],
  ])('accepts %s', (raw, id) => {
    expect(pipe.transform(raw)).toBe(id);
  });

  it.each([
    '0', '-1', '+1', '01', '00', '1.0', '1.', '1e3', '0x10', '0b1', '0o7', 'abc', '', ' 1', '1 ', '\t1', '1\n', '１',
    '9007199254740992', '1234567890123456789', '99999999999999999999', 'Infinity', 'NaN', '1_000',
  ])('refuses %j', (raw) => {
    expect(() => pipe.transform(raw)).toThrow(ValidationFailedError);
  });

  it('refuses a value that is not text at all (a number converted by someone else)', () => {
    expect(() => pipe.transform(16)).toThrow(ValidationFailedError);
  });

  it('names the parameter', () => {
    expect(() => pipe.transform('01', { type: 'param', data: 'orderId' })).toThrow(/^orderId must be a positive integer/);
  });
});

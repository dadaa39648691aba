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

  it.each(['0', '-1', '01', '1.0', '1e3', 'abc', '', ' 1', '9007199254740992', '99999999999999999999'])('refuses %j', (raw) => {
    expect(() => pipe.transform(raw)).toThrow(ValidationFailedError);
  });
});

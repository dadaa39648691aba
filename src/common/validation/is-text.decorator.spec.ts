import { describe, expect, it } from '@jest/globals';
import { validateSync } from 'class-validator';
import { codePointLength, IsText, textProblem } from './is-text.decorator.js';

describe('codePointLength', () => {
  it.each([
    ['kim', 3],
    ['김철수', 3],
    ['❤️', 2], // U+2764 U+FE0F
    ['😀', 1], // one code point, two UTF-16 units
    ['👩‍👩‍👧', 5], // three emoji joined by two U+200D
    ['\ud800', 1],
    ['', 0],
  ])('%j has %i code points', (text, length) => {
    expect(codePointLength(text)).toBe(length);
  });
});

describe('textProblem', () => {
  it.each(['kim', '김철수', '아메리카노 ☕', '😀'.repeat(10), 'a b', ' padded ', 'x'.repeat(10), "O'Brien \"quoted\" \\ / <b>"])(
    'accepts %j',
    (text) => {
      expect(textProblem(text, 30)).toBeNull();
    },
  );

  it('counts as the column does: 5 "❤️" are 10 characters, 6 are 12', () => {
    expect(textProblem('❤️'.repeat(5), 10)).toBeNull();
    expect(textProblem('❤️'.repeat(6), 10)).toBe('must be at most 10 characters');
  });

  it.each([
    [42, 'must be a string'],
    [null, 'must be a string'],
    [['kim'], 'must be a string'],
    ['', 'should not be empty'],
    ['\ud800', 'must not contain control characters or unpaired surrogates'],
    ['a\udc00b', 'must not contain control characters or unpaired surrogates'],
    ['😀'.slice(0, 1), 'must not contain control characters or unpaired surrogates'],
    ['a\u0000b', 'must not contain control characters or unpaired surrogates'],
    ['line\nbreak', 'must not contain control characters or unpaired surrogates'],
    ['tab\there', 'must not contain control characters or unpaired surrogates'],
    ['del\u007f', 'must not contain control characters or unpaired surrogates'],
    ['c1\u0085', 'must not contain control characters or unpaired surrogates'],
  ])('refuses %j: %s', (value, problem) => {
    expect(textProblem(value, 10)).toBe(problem);
  });
});

describe('@IsText', () => {
  class Named {
    @IsText(5)
    name: unknown;
  }
  const errorsOf = (name: unknown) => validateSync(Object.assign(new Named(), { name })).flatMap((e) => Object.values(e.constraints ?? {}));

  it('passes good text and names the property and the problem otherwise', () => {
    expect(errorsOf('kim')).toEqual([]);
    expect(errorsOf('❤️❤️❤️')).toEqual(['name must be at most 5 characters']);
    expect(errorsOf(7)).toEqual(['name must be a string']);
  });
});

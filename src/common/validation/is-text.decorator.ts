import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';

/** A lone UTF-16 surrogate (no UTF-8 form: MySQL would store U+FFFD) or a control character (C0, DEL, C1). */
const UNSTORABLE = /[\p{Cs}\p{Cc}]/u;

/** Characters as a utf8mb4 column counts them: code points, not UTF-16 units nor graphemes. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** Why a value is not acceptable text of at most `maxLength` characters, or null when it is. */
export function textProblem(value: unknown, maxLength: number): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length === 0) return 'should not be empty';
  if (UNSTORABLE.test(value)) return 'must not contain control characters or unpaired surrogates';
  if (codePointLength(value) > maxLength) return `must be at most ${maxLength} characters`;
  return null;
}

/**
 * Text that a `VARCHAR(maxLength)` utf8mb4 column stores and gives back unchanged: a non-empty
 * string of at most `maxLength` code points, well-formed, with no control characters.
 * (class-validator's MaxLength does not count U+FE0F, so 60 "❤️" passed as 60 and MySQL saw 120.)
 */
export function IsText(maxLength: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isText',
      constraints: [maxLength],
      validator: {
        validate: (value: unknown) => textProblem(value, maxLength) === null,
        defaultMessage: (args?: ValidationArguments) => `$property ${textProblem(args?.value, maxLength) ?? 'is not valid text'}`,
      },
    },
    options,
  );
}

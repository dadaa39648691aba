import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { ValidationFailedError } from '../errors/index.js';
import { MAX_ID } from './validation.js';

/** Canonical decimal: no sign, leading zero, exponent, point or spaces; at most 19 digits (BIGINT UNSIGNED). */
const CANONICAL_ID = /^[1-9][0-9]{0,18}$/;

/**
 * A path id exactly as the client wrote it (after percent-decoding, so `%31` is `1`, as RFC 3986
 * makes them equivalent): a positive integer that is exact in JavaScript, or a 400 that says so.
 */
@Injectable()
export class ParseIdPipe implements PipeTransform<unknown, number> {
  transform(value: unknown, metadata?: ArgumentMetadata): number {
    const id = typeof value === 'string' && CANONICAL_ID.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(id) || id > MAX_ID) {
      throw new ValidationFailedError(`${metadata?.data ?? 'id'} must be a positive integer in canonical decimal, at most ${MAX_ID}`);
    }
    return id;
  }
}

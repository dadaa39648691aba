import { Injectable, type PipeTransform } from '@nestjs/common';
import { ValidationFailedError } from '../errors/index.js';
import { MAX_ID } from './validation.js';

/** A path id: a positive integer that is exact in JavaScript, or a 400 that says so. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(id) || id > MAX_ID) {
      throw new ValidationFailedError('id must be a positive integer');
    }
    return id;
  }
}

import type { HttpStatus } from '@nestjs/common';

export const IDEMPOTENT_OPTIONS = 'payonce:idempotent';

export interface IdempotentOptions {
  /** Without a key, a required route answers 400; an optional one runs as a plain request. */
  required: boolean;
  /** The route's success status: @Idempotent sets it as the route's @HttpCode, and a replay of it goes out the same way. */
  status: HttpStatus;
}

import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { PaymentsAndIdempotencyKeys1764000100000 } from './1764000100000-payments-and-idempotency-keys.js';
import { AccountsAndApiKeys1764000200000 } from './1764000200000-accounts-and-api-keys.js';
import { IdempotencyLeaseIndex1764000300000 } from './1764000300000-idempotency-lease-index.js';

/** In the order they run. */
export const MIGRATIONS = [InitialSchema1764000000000, PaymentsAndIdempotencyKeys1764000100000, AccountsAndApiKeys1764000200000, IdempotencyLeaseIndex1764000300000];

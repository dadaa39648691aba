import { AccountEntity } from '../auth/account.entity.js';
import { ApiKeyEntity } from '../auth/api-key.entity.js';
import { IdempotencyKeyEntity } from '../idempotency/idempotency-key.entity.js';
import { OrderItemEntity } from '../order/order-item.entity.js';
import { OrderEntity } from '../order/order.entity.js';
import { PaymentEntity } from '../payment/payment.entity.js';
import { BalanceChargeEntity } from '../user/balance-charge.entity.js';
import { UserEntity } from '../user/user.entity.js';

/** Every entity, listed once for both the app and the migration CLI. */
export const ENTITIES = [AccountEntity, ApiKeyEntity, UserEntity, BalanceChargeEntity, OrderEntity, OrderItemEntity, PaymentEntity, IdempotencyKeyEntity];

/**
 * Money is an integer count of the smallest currency unit (1 KRW). These bounds keep every
 * sum exact in a JavaScript number and in a BIGINT column.
 */
export const MAX_CHARGE_AMOUNT = 1_000_000_000;
export const MAX_BALANCE = 1_000_000_000_000_000;
export const MAX_UNIT_PRICE = 1_000_000_000;
export const MAX_QUANTITY = 1_000;
export const MAX_ORDER_ITEMS = 100;

import { describe, expect, it } from 'vitest';
import * as main from '../src/index.js';
import * as providerUtils from '../src/provider-utils/index.js';
import * as storeKit from '../src/store-kit/index.js';

/** The values of `@hutong/core`: what a merchant's code calls. A new one is a decision, made here. */
const MAIN_VALUES = [
  'AmountMismatchError',
  'CURRENCY',
  'ConflictError',
  'HutongError',
  'InvalidTransitionError',
  'MAX_NOTIFICATION_BYTES',
  'MemoryOrderStore',
  'MerchantError',
  'MemoryOutbox',
  'MemoryOutboxStore',
  'MemoryStatementResultStore',
  'MemoryTransferStore',
  'MOVEMENT_NOTIFICATION_SEGMENT',
  'MovementNotFoundError',
  'NetworkError',
  'ORDER_STATUSES',
  'OrderNotFoundError',
  'PAYMENT_CODE_RULES',
  'PAYMENT_METHODS',
  'ProviderApiError',
  'RefundExceedsPaidError',
  'RefundExceedsUnsplitError',
  'SignatureVerificationError',
  'SplitExceedsAvailableError',
  'StoreError',
  'TRANSFER_STATUSES',
  'TimeoutError',
  'UnexpectedResponseError',
  'UnsupportedOperationError',
  'ValidationError',
  'assertAmount',
  'assertPortableId',
  'cacheMerchantDirectory',
  'classifyPaymentCode',
  'countStatementDifferences',
  'createMemoryMerchantDirectory',
  'createNodeWebhookHandler',
  'createOutboxRelay',
  'createPayments',
  'createReconciler',
  'createWebhookHandler',
  'formatYuan',
  'generateId',
  'isMovementNotificationUrl',
  'isPaymentMethod',
  'matchStatement',
  'parseYuan',
  'refundableAmount',
  'refuseConnectRequests',
  'renderAutoSubmitForm',
  'splitAmount',
  'statementDayWindow',
  'toNotificationRequest',
  'unsplitAmount',
];

/** Store authors' helpers: in `@hutong/core/store-kit`, never on the main entry. */
const STORE_KIT_VALUES = [
  'DEFAULT_LIST_LIMIT',
  'MAX_LIST_LIMIT',
  'MAX_SPLIT_ORDERS',
  'accountOrThrow',
  'assertMerchantKey',
  'checkClaimEventsOptions',
  'checkLease',
  'checkOutboxName',
  'checkPruneEventsOptions',
  'checkReleaseEventsOptions',
  'compareOrderListPositions',
  'decodeOrderCursor',
  'defaultConsumerName',
  'encodeOrderCursor',
  'hasPendingRefund',
  'hasPendingSplit',
  'normalizeListOrdersQuery',
  'normalizeListTransfersQuery',
  'orderListPosition',
  'outboxEventId',
  'statementEventKey',
  'statementOutboxEvents',
  'transferListPosition',
  'transferOutboxKey',
];

describe('entry points', () => {
  it('the main entry exports exactly the merchant values, listed', () => {
    expect(Object.keys(main).sort()).toEqual([...MAIN_VALUES].sort());
  });

  it("store authors' helpers are in store-kit and not on the main entry", () => {
    expect(Object.keys(storeKit).sort()).toEqual([...STORE_KIT_VALUES].sort());
    for (const name of STORE_KIT_VALUES) expect(main).not.toHaveProperty(name);
  });

  it("adapters' helpers that left the main entry are in provider-utils", () => {
    for (const name of ['escapeHtml', 'toNotificationRequest', 'transition', 'createNodeHandler']) {
      expect(providerUtils).toHaveProperty(name);
    }
    expect(main).not.toHaveProperty('escapeHtml');
  });
});

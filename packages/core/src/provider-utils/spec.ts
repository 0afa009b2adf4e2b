/**
 * The provider spec, as adapters import it from `@hutong/core/provider-utils`: the interface a
 * wallet adapter implements, the requests it receives, the events it returns (the state machine's
 * payment and refund events), the notification request it verifies, and the options types of the
 * errors it constructs. Merchants never need these names; `@hutong/core` no longer lists them.
 *
 * @packageDocumentation
 */
export type { HutongErrorOptions, ProviderApiErrorDetails, ValidationErrorOptions } from '../errors.js';
export type { MerchantAccount, MerchantDirectory } from '../merchant.js';
export type {
  MoneyMovementEvent,
  Split,
  SplitReceiver,
  SplitReceiverStatus,
  SplitReturn,
  SplitReturnStatusEvent,
  SplitStatus,
  SplitStatusEvent,
  Transfer,
  TransferPayee,
  TransferStatus,
  TransferStatusEvent,
} from '../money-movement.js';
export { escapeHtml } from '../next-action.js';
export type {
  OrderEffect,
  OrderEvent,
  OrderEventType,
  PaymentClosedEvent,
  PaymentEvent,
  PaymentFailedEvent,
  PaymentInitiatedCommand,
  PaymentPendingEvent,
  PaymentSucceededEvent,
  RefundFailedEvent,
  RefundPendingEvent,
  RefundRequestedCommand,
  RefundSucceededEvent,
  SplitOrderEvent,
  SplitReceiverInput,
  SplitRequestedCommand,
  SplitReturnRequestedCommand,
  TransitionResult,
} from '../order-state-machine.js';
export type {
  CreatePaymentRequest,
  CreatePaymentResult,
  DefaultProviderActions,
  NotificationOutcome,
  PaymentProvider,
  PaymentReference,
  PaymentStatusEvent,
  ProviderActions,
  ProviderCapabilities,
  ProviderStatementRequest,
  ProviderTypes,
  RefundReference,
  RefundRequest,
  RefundSplitReturn,
  RefundStatusEvent,
  ResumePaymentRequest,
  SplitReference,
  SplitRequest,
  SplitReturnReference,
  SplitReturnRequest,
  TransferRequest,
  VerifiedMovementNotification,
  VerifiedNotification,
  WalletOAuth,
} from '../provider-spec.js';
export type { RefundSplitReturnInput } from '../refund-split-returns.js';
export type {
  StatementDifference,
  StatementDifferenceCode,
  StatementLine,
  StatementLineKind,
  StatementLineStatus,
  StatementRequest,
  StatementResult,
  StatementTotals,
} from '../statement.js';
export { type NotificationRequest, toNotificationRequest } from '../webhook-request.js';

/**
 * `@hutong/core/provider-utils`: what adapter authors need and merchants do not. The provider spec
 * (the interface, its requests and events), signed form
 * bodies, strict form decoding, key loading, provider civil times, the redacting HTTP client, option
 * validation (with the `zod/mini` functions in {@link z}), request normalisation, the order state machine's pure transition function,
 * and the statement readers (a bounded, streamed response body; text split into numbered lines).
 *
 * Merchants import from `@hutong/core`; an adapter imports the error classes and order types from
 * there, and the spec and its plumbing from here (the split the AI SDK keeps between `@ai-sdk/provider`
 * and `@ai-sdk/provider-utils`, in one package; the migration guide says why).
 *
 * @example
 * ```ts
 * import { FormFields, loadRsaPublicKey } from '@hutong/core/provider-utils';
 * const form = FormFields.parse(request.body, 'notification.body');
 * ```
 *
 * @packageDocumentation
 */
export * from '../civil-time.js';
export * from '../error-codes.js';
export * from '../form-encoding.js';
export * from '../form-fields.js';
export * from '../http-client.js';
export * from '../json-reply.js';
export * from '../node-http.js';
export * from '../notification-status.js';
export { assertCanClose, TRANSITIONS, transition } from '../order-state-machine.js';
export { warnOnceInProduction } from '../production-warning.js';
export * from '../redaction.js';
export { refundSplitReturns } from '../refund-split-returns.js';
export * from '../refusal.js';
export * from '../reply-binding.js';
export * from '../rsa-keys.js';
export { z } from '../schema.js';
export * from '../signature-window.js';
export {
  type MovementMismatch,
  splitReturnMismatch,
  splitStatusMismatch,
  transferStatusMismatch,
} from '../split-binding.js';
export {
  FINAL_TRANSFER_STATUSES,
  redactTransfer,
  type TransferEffect,
  type TransferTransitionResult,
  transitionTransfer,
} from '../transfer-state-machine.js';
export * from '../validation.js';
export { normalizeHeaders } from '../webhook-request.js';
export * from './response-body.js';
export * from './spec.js';
export * from './text-lines.js';

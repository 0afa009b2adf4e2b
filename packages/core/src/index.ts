/**
 * `@hutong/core`: the provider spec every wallet adapter implements, integer-fen money, the order
 * state machine, order stores, the payments facade, webhook plumbing, errors and HTTP helpers.
 *
 * @example
 * ```ts
 * import { createPayments } from '@hutong/core';
 * const payments = createPayments({ providers: [alipay({ ... })] });
 * ```
 *
 * @packageDocumentation
 */
export * from './civil-time.js';
export * from './errors.js';
export * from './form-encoding.js';
export * from './form-fields.js';
export * from './http-client.js';
export * from './money.js';
export * from './next-action.js';
export * from './order.js';
export * from './order-id.js';
export * from './order-state-machine.js';
export * from './order-store.js';
export * from './payment-method.js';
export * from './payments.js';
export * from './payments-events.js';
export * from './provider-spec.js';
export * from './redaction.js';
export * from './rsa-keys.js';
export * from './validation.js';
export * from './webhook-handlers.js';
export * from './webhook-request.js';

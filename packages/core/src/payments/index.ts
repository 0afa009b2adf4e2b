/**
 * The payments facade: one object to start payments, take webhooks, refund, close and reconcile,
 * across every configured provider. `createPayments` wires the options; each operation lives in
 * its own file beside it.
 *
 * @packageDocumentation
 */
export { createPayments } from './create-payments.js';
export type * from './payments-types.js';

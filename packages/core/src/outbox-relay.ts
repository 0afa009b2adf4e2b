/**
 * The outbox relay: claims events in batches, delivers them (several orders at once, one order's
 * events in order, each delivery under a deadline), acknowledges and releases in batches, backs
 * failed events off, and prunes what its group acknowledged once the retention period has passed.
 * `createOutboxRelay` wires the options; each part lives in its own file in `outbox-relay/`.
 *
 * @packageDocumentation
 */
export { createOutboxRelay } from './outbox-relay/create-outbox-relay.js';
export type { OutboxRelay, OutboxRelayErrorContext, OutboxRelayOptions } from './outbox-relay/relay-types.js';

/**
 * The transactional outbox: a store that offers one writes an order and the events of its change in
 * the same transaction, and a relay delivers those events to the facade's listeners at least once.
 * A crash between the commit and the listener then delays an event; it never loses it.
 * The events and the store's side are in `outbox-events.ts`, the relay in `outbox-relay.ts`.
 *
 * @packageDocumentation
 */
export * from './outbox-events.js';
export * from './outbox-relay.js';

/**
 * What every facade operation works with: the configured providers, the store, the clock, the
 * event emitter and the outbox relay, built once by `createPayments`.
 *
 * @packageDocumentation
 */
import { OrderNotFoundError, ValidationError } from '../errors.js';
import type { CachedMerchantDirectory } from '../merchant-cache.js';
import type { Order } from '../order.js';
import type { OrderStore } from '../order-store.js';
import type { OutboxRelay } from '../outbox.js';
import type { PaymentsEmitter } from '../payments-events.js';
import { checkNotifyUrl } from './payments-schemas.js';
import type { AnyProvider, PaymentsOptions } from './payments-types.js';

/** The facade's state, shared by its operations. */
export interface PaymentsContext {
  /** The configured providers by id. */
  readonly providers: ReadonlyMap<string, AnyProvider>;
  /** The configured providers, in the order given. */
  readonly providerList: readonly AnyProvider[];
  readonly store: OrderStore;
  readonly now: () => Date;
  /** How many times a write that lost a race is re-read and re-applied. */
  readonly maxRetries: number;
  readonly emitter: PaymentsEmitter;
  /** The store's outbox: events are written with each change instead of emitted inline. */
  readonly outbox: OrderStore['outbox'];
  readonly relay: OutboxRelay | undefined;
  /** The facade's default notification URL. */
  readonly notifyUrl: PaymentsOptions['notifyUrl'];
  /** Platform mode: the merchants directory behind its cache; `undefined` without one. */
  readonly merchants?: CachedMerchantDirectory | undefined;
  /** The notification URL of splits and transfers. */
  readonly movementNotifyUrl?: PaymentsOptions['movementNotifyUrl'];
}

/** The configured provider with this id; a `ValidationError` for any other id. */
export function providerById(context: PaymentsContext, id: string): AnyProvider {
  const provider = context.providers.get(id);
  if (!provider) throw new ValidationError('provider', `${JSON.stringify(id)} is not a configured provider`);
  return provider;
}

/** The stored order; throws {@link OrderNotFoundError}. */
export async function getOrder(context: PaymentsContext, orderId: string): Promise<Order> {
  const order = await context.store.get(orderId);
  if (!order) throw new OrderNotFoundError(orderId);
  return order;
}

/** The notification URL of a new order: the one given for it, or the facade's default. */
export function notifyUrlFor(context: PaymentsContext, provider: string, explicit: string | undefined): string | null {
  if (explicit) return explicit;
  const configured = context.notifyUrl;
  if (typeof configured === 'function') return checkNotifyUrl(configured(provider), 'options.notifyUrl');
  return configured ?? null;
}

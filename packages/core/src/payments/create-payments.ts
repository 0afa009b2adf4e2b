/**
 * `createPayments`: checks the options, builds the context the operations share, and returns the
 * facade. Each operation lives in its own file in this folder.
 *
 * @packageDocumentation
 */
import { ValidationError } from '../errors.js';
import { cacheMerchantDirectory } from '../merchant-cache.js';
import { MemoryOrderStore, type OrderStore } from '../order-store.js';
import { PaymentsEmitter } from '../payments-events.js';
import { cancelTransfer } from './cancel-transfer.js';
import { closeOrder } from './close-order.js';
import { createPayment } from './create-payment.js';
import { handleMovementNotification } from './handle-movement-notification.js';
import { handleNotification } from './handle-notification.js';
import { warnOfMemoryStoreInProduction } from './memory-store-warning.js';
import { payWithCode } from './pay-with-code.js';
import { getOrder, type PaymentsContext, providerById } from './payments-context.js';
import { createPaymentsRelay } from './payments-relay.js';
import { checkNotifyUrl } from './payments-schemas.js';
import type { AnyProvider, Payments, PaymentsOptions } from './payments-types.js';
import { droppedListenerErrors } from './payments-warnings.js';
import { nodeWebhookHandler, webhookHandler } from './payments-webhooks.js';
import { reconcileStatement } from './reconcile-statement.js';
import { refundOrder } from './refund-order.js';
import { resumePayment } from './resume-payment.js';
import { getSplit, returnSplit, splitOrder } from './split-order.js';
import { syncOrder } from './sync-order.js';
import { syncTransfer } from './sync-transfer.js';
import { createTransfer } from './transfer.js';
import { getTransfer, transfersOf } from './transfer-apply.js';

function checkProvider(provider: AnyProvider, index: number): void {
  const field = `providers.${index}`;
  if (provider?.specificationVersion !== 'v1') {
    throw new ValidationError(field, 'implements an unsupported provider specification (expected v1)');
  }
  if (typeof provider.id !== 'string' || provider.id.length === 0) throw new ValidationError(`${field}.id`, 'is empty');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(provider.id)) {
    throw new ValidationError(`${field}.id`, 'must be 1 to 64 letters, digits, "-" or "_"');
  }
}

/** The providers by id, each checked, none twice. */
function providerMap<P extends AnyProvider>(providers: readonly P[]): Map<string, P> {
  const byId = new Map<string, P>();
  providers.forEach((provider, index) => {
    checkProvider(provider, index);
    if (byId.has(provider.id)) throw new ValidationError(`providers.${index}.id`, `${provider.id} is configured twice`);
    byId.set(provider.id, provider);
  });
  return byId;
}

/**
 * Creates the payments facade, typed by its providers: `createPayment({ provider })` takes only their
 * ids, `method` only what that provider takes, and `providerOptions` its own options.
 *
 * @example
 * ```ts
 * import { createPayments } from '@hutong/core';
 * import { alipay } from '@hutong/adapter-alipay';
 *
 * const payments = createPayments({
 *   providers: [alipay({ appId, privateKey, alipayPublicKey })],
 *   notifyUrl: (provider) => `https://shop.example/webhooks/${provider}`,
 * });
 * const { order, action } = await payments.createPayment({
 *   provider: 'alipay', method: 'qr', amount: 1999, subject: 'Tea',
 * });
 * showQrCode(action.content);
 * payments.on('order.paid', ({ order }) => ship(order.id));
 * ```
 */
export function createPayments<const P extends AnyProvider, K extends string = string>(
  options: PaymentsOptions<P, K>,
): Payments<P, K> {
  const providers = providerMap(options.providers);
  if (typeof options.notifyUrl === 'string') checkNotifyUrl(options.notifyUrl, 'options.notifyUrl');
  if (typeof options.movementNotifyUrl === 'string') {
    checkNotifyUrl(options.movementNotifyUrl, 'options.movementNotifyUrl');
  }
  const store: OrderStore = options.store ?? new MemoryOrderStore();
  warnOfMemoryStoreInProduction(store);
  const emitter = new PaymentsEmitter(options.onListenerError ?? droppedListenerErrors());
  const relayOptions = options.relay === false ? undefined : (options.relay ?? {});
  const relay = createPaymentsRelay(store.outbox, relayOptions, emitter);
  const now = options.now ?? (() => new Date());
  const merchants = options.merchants
    ? cacheMerchantDirectory(options.merchants, {
        ...(options.merchantCache === false ? { maxEntries: 0 } : options.merchantCache),
        now: options.now ? () => now().getTime() : Date.now,
      })
    : undefined;
  const context: PaymentsContext = {
    providers,
    providerList: options.providers,
    store,
    now,
    maxRetries: options.maxConflictRetries ?? 16,
    emitter,
    outbox: store.outbox,
    relay,
    notifyUrl: options.notifyUrl as PaymentsContext['notifyUrl'],
    merchants,
    movementNotifyUrl: options.movementNotifyUrl as PaymentsContext['movementNotifyUrl'],
  };
  const payments: Payments<P, K> = {
    createPayment: ((input) => createPayment(context, input)) as Payments<P, K>['createPayment'],
    payWithCode: (input) => payWithCode(context, input),
    resume: (orderId, input) => resumePayment(context, orderId, input),
    handleNotification: (providerId, input) => handleNotification(context, providerId, input),
    sync: (orderId, syncOptions) => syncOrder(context, orderId, syncOptions),
    close: (orderId) => closeOrder(context, orderId),
    refund: (orderId, input) => refundOrder(context, orderId, input),
    getOrder: (orderId) => getOrder(context, orderId),
    split: (orderId, input) => splitOrder(context, orderId, input),
    returnSplit: (orderId, input) => returnSplit(context, orderId, input),
    getSplit: (orderId, splitId) => getSplit(context, orderId, splitId),
    transfer: (input) => createTransfer(context, input),
    cancelTransfer: (transferId) => cancelTransfer(context, transferId),
    getTransfer: (transferId) => getTransfer(context, transferId),
    listTransfers: (query) => transfersOf(context).list(query),
    syncTransfer: (transferId, syncOptions) => syncTransfer(context, transferId, syncOptions),
    handleMovementNotification: (providerId, input) => handleMovementNotification(context, providerId, input),
    reconcileStatement: (input) => reconcileStatement(context, input),
    on(type, listener) {
      const off = emitter.on(type, listener);
      if (relay && type !== 'notification.rejected' && relayOptions?.autoStart !== false) relay.start();
      return off;
    },
    relay,
    webhookHandler: (providerId) => webhookHandler(context, providerId),
    nodeWebhookHandler: (providerId, webhookOptions) => nodeWebhookHandler(context, providerId, webhookOptions),
    provider: ((id: string) => providerById(context, id)) as Payments<P, K>['provider'],
    providers: Object.freeze([...options.providers]),
    merchants,
  };
  return payments;
}

/**
 * The payments facade: one object to start payments, take webhooks, refund, close and reconcile,
 * across every configured provider.
 *
 * @packageDocumentation
 */
import { z } from 'zod';
import {
  ConflictError,
  type HutongError,
  OrderNotFoundError,
  ProviderApiError,
  UnsupportedOperationError,
  ValidationError,
} from './errors.js';
import { assertAmount, CURRENCY } from './money.js';
import type { NextAction } from './next-action.js';
import type { Order, OrderAnomaly, Refund } from './order.js';
import { assertPortableId, generateId } from './order-id.js';
import {
  assertCanClose,
  type OrderEffect,
  type OrderEvent,
  type PaymentEvent,
  type TransitionResult,
  transition,
} from './order-state-machine.js';
import { MemoryOrderStore, type OrderStore } from './order-store.js';
import { isPaymentMethod, type PaymentMethod } from './payment-method.js';
import { PaymentsEmitter, type PaymentsEventType, type PaymentsListener } from './payments-events.js';
import type { PaymentProvider, ProviderCapabilities } from './provider-spec.js';
import { parseWithSchema } from './validation.js';
import { createNodeWebhookHandler, createWebhookHandler, type NodeWebhookHandler } from './webhook-handlers.js';
import { type NotificationInput, toNotificationRequest, type WebhookResponse } from './webhook-request.js';

/**
 * Options of {@link createPayments}.
 *
 * @example
 * ```ts
 * createPayments({
 *   providers: [alipay({ ... })],
 *   store: new MemoryOrderStore(),
 *   notifyUrl: (provider) => `https://shop.example/webhooks/${provider}`,
 * });
 * ```
 */
export interface PaymentsOptions {
  /** The providers to offer; ids must be unique. */
  providers: readonly PaymentProvider[];
  /** Where orders live. Default: a new {@link MemoryOrderStore}. */
  store?: OrderStore;
  /** Default notification URL: a string, or a function of the provider id. */
  notifyUrl?: string | ((provider: string) => string);
  /** The clock. Default `() => new Date()`. */
  now?: () => Date;
  /** How many times a write that lost a race is re-read and re-applied. Default 16. */
  maxConflictRetries?: number;
  /** Receives errors thrown by event listeners (the stored change stands). Default: `console.error`. */
  onListenerError?: (error: unknown, event: PaymentsEventType) => void;
}

/** Input of {@link Payments.createPayment}. */
export interface CreatePaymentInput {
  /** Provider id, e.g. `alipay`. */
  provider: string;
  method: PaymentMethod;
  /** Amount in fen (integer). `1999` is 19.99 yuan. */
  amount: number;
  /** What the buyer sees on their statement (1 to 127 characters). */
  subject: string;
  /** 8 to 32 letters and digits; generated when absent. */
  orderId?: string;
  /** When the buyer can no longer pay. */
  expiresAt?: Date;
  /** Overrides the facade's `notifyUrl` for this order. */
  notifyUrl?: string;
  /** Where the buyer returns after paying (`page`, `h5`). */
  returnUrl?: string;
  /** The buyer's id at the provider (`jsapi`: WeChat openid, Alipay buyer id). */
  buyerId?: string;
  /** The buyer's payment code (`pos`). */
  authCode?: string;
  /** The buyer's IP address. */
  clientIp?: string;
  /** The merchant's own data, stored on the order. */
  metadata?: Record<string, string>;
  /** Options only the chosen provider understands. */
  providerOptions?: Record<string, unknown>;
}

/** Result of {@link Payments.createPayment}. */
export interface CreatePaymentOutput {
  order: Order;
  /** The buyer's next step. */
  action: NextAction;
}

/** Input of {@link Payments.refund}. */
export interface RefundInput {
  /** Amount in fen. */
  amount: number;
  /** 8 to 32 letters and digits; reuse it to retry the same refund safely. Generated when absent. */
  refundId?: string;
  reason?: string;
}

/** Result of {@link Payments.refund}. */
export interface RefundOutput {
  order: Order;
  refund: Refund;
}

/**
 * Result of {@link Payments.handleNotification}. `response` is always set: send it back as is.
 * `ok` means the notification was verified and its event is stored (or was already).
 */
export interface HandleNotificationResult {
  ok: boolean;
  /** The order after the event, when accepted. */
  order?: Order;
  /** The verified event, when accepted. */
  event?: PaymentEvent;
  /** `applied`, or `duplicate` / `stale` when the event changed nothing. */
  outcome?: TransitionResult['outcome'];
  /** Anomalies this notification revealed (recorded on the order). */
  anomalies?: OrderAnomaly[];
  /** Why the notification was refused, when it was. */
  error?: unknown;
  /** The exact reply the provider expects. */
  response: WebhookResponse;
}

/**
 * The payments facade returned by {@link createPayments}.
 */
export interface Payments {
  /** Records an order and asks the provider for the buyer's next step. */
  createPayment(input: CreatePaymentInput): Promise<CreatePaymentOutput>;
  /** Verifies a notification, applies it atomically and returns the reply to send. Never throws. */
  handleNotification(provider: string, input: NotificationInput): Promise<HandleNotificationResult>;
  /** Asks the provider for the payment's (and pending refunds') state and applies it. */
  sync(orderId: string): Promise<Order>;
  /** Closes an unpaid order at the provider. */
  close(orderId: string): Promise<Order>;
  /** Refunds part or all of a paid order; never beyond what was paid, pending refunds included. */
  refund(orderId: string, input: RefundInput): Promise<RefundOutput>;
  /** The stored order; throws {@link OrderNotFoundError}. */
  getOrder(orderId: string): Promise<Order>;
  /** Subscribes to a facade event; returns the unsubscribe function. */
  on<T extends PaymentsEventType>(type: T, listener: PaymentsListener<T>): () => void;
  /** A `(Request) => Promise<Response>` webhook endpoint for one provider (web-standard servers). */
  webhookHandler(provider: string): (request: Request) => Promise<Response>;
  /** A webhook endpoint for Node's `http` (and Express, Fastify's raw mode, ...). */
  nodeWebhookHandler(provider: string): NodeWebhookHandler;
  /** The configured provider with this id. */
  provider(id: string): PaymentProvider;
}

const createInputSchema = z.object({
  provider: z.string().min(1),
  method: z.string().refine(isPaymentMethod, 'is not a payment method (qr, page, h5, jsapi, app, pos)'),
  amount: z.unknown(),
  subject: z.string().trim().min(1, 'must not be empty').max(127, 'must be at most 127 characters'),
  orderId: z.string().optional(),
  expiresAt: z
    .date()
    .refine((date) => !Number.isNaN(date.getTime()), 'is not a valid date')
    .optional(),
  notifyUrl: z.url({ protocol: /^https?$/ }).optional(),
  returnUrl: z.url({ protocol: /^https?$/ }).optional(),
  buyerId: z.string().min(1).max(128).optional(),
  authCode: z
    .string()
    .regex(/^[0-9]{10,32}$/, 'must be the 10 to 32 digits of a payment code')
    .optional(),
  clientIp: z.union([z.ipv4(), z.ipv6()]).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  providerOptions: z.record(z.string(), z.unknown()).optional(),
});

const refundInputSchema = z.object({
  amount: z.unknown(),
  refundId: z.string().optional(),
  reason: z.string().max(80, 'must be at most 80 characters').optional(),
});

function defaultListenerError(error: unknown, event: PaymentsEventType): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`[hutong] a listener of ${event} threw: ${message}`);
}

function checkProvider(provider: PaymentProvider, index: number): void {
  const field = `providers.${index}`;
  if (provider?.specificationVersion !== 'v1') {
    throw new ValidationError(field, 'implements an unsupported provider specification (expected v1)');
  }
  if (typeof provider.id !== 'string' || provider.id.length === 0) throw new ValidationError(`${field}.id`, 'is empty');
}

/**
 * Creates the payments facade.
 *
 * @example
 * ```ts
 * import { createPayments } from '@hutong/core';
 * import { alipay } from '@hutong/adapter-alipay';
 *
 * const payments = createPayments({ providers: [alipay({ appId, privateKey, alipayPublicKey })] });
 * const { order, action } = await payments.createPayment({
 *   provider: 'alipay', method: 'qr', amount: 1999, subject: 'Tea',
 *   notifyUrl: 'https://shop.example/webhooks/alipay',
 * });
 * payments.on('order.paid', ({ order }) => ship(order.id));
 * ```
 */
export function createPayments(options: PaymentsOptions): Payments {
  const providers = new Map<string, PaymentProvider>();
  options.providers.forEach((provider, index) => {
    checkProvider(provider, index);
    if (providers.has(provider.id))
      throw new ValidationError(`providers.${index}.id`, `${provider.id} is configured twice`);
    providers.set(provider.id, provider);
  });
  const store = options.store ?? new MemoryOrderStore();
  const now = options.now ?? (() => new Date());
  const maxRetries = options.maxConflictRetries ?? 16;
  const emitter = new PaymentsEmitter(options.onListenerError ?? defaultListenerError);

  function providerById(id: string): PaymentProvider {
    const provider = providers.get(id);
    if (!provider) throw new ValidationError('provider', `${JSON.stringify(id)} is not a configured provider`);
    return provider;
  }

  function require<K extends keyof ProviderCapabilities>(provider: PaymentProvider, capability: K): void {
    if (!provider.capabilities[capability]) throw new UnsupportedOperationError(provider.id, String(capability));
  }

  async function getOrder(orderId: string): Promise<Order> {
    const order = await store.get(orderId);
    if (!order) throw new OrderNotFoundError(orderId);
    return order;
  }

  async function emitEffects(order: Order, effects: readonly OrderEffect[]): Promise<void> {
    for (const effect of effects) {
      if (!emitter.has(effect.type)) continue;
      switch (effect.type) {
        case 'order.refunded':
          await emitter.emit(effect.type, { order, refund: effect.refund, fully: effect.fully });
          break;
        case 'refund.failed':
          await emitter.emit(effect.type, { order, refund: effect.refund });
          break;
        case 'order.anomaly':
          await emitter.emit(
            effect.type,
            effect.error ? { order, anomaly: effect.anomaly, error: effect.error } : { order, anomaly: effect.anomaly },
          );
          break;
        default:
          await emitter.emit(effect.type, { order });
      }
    }
  }

  function hasListenersFor(effects: readonly OrderEffect[]): boolean {
    for (const effect of effects) if (emitter.has(effect.type)) return true;
    return false;
  }

  /** Applies an event with compare-and-set, re-reading and re-applying when another writer won. */
  async function apply(event: OrderEvent): Promise<TransitionResult> {
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      const current = await store.get(event.orderId);
      if (!current) throw new OrderNotFoundError(event.orderId);
      const result = transition(current, event, now());
      if (result.outcome !== 'applied') return result;
      if (await store.update(result.order, current.version)) {
        if (hasListenersFor(result.effects)) await emitEffects(result.order, result.effects);
        return result;
      }
    }
    throw new ConflictError(
      'version_conflict',
      event.orderId,
      `order ${event.orderId} kept changing; ${event.type} was not applied after ${maxRetries + 1} attempts`,
    );
  }

  function notifyUrlFor(provider: string, explicit: string | undefined): string | null {
    if (explicit) return explicit;
    if (typeof options.notifyUrl === 'function') return options.notifyUrl(provider);
    return options.notifyUrl ?? null;
  }

  /**
   * Whether an error is a definitive refusal: a verified, non-retryable provider error, or input the
   * adapter refused before sending. Anything else (network failure, timeout, a reply that failed
   * verification) leaves the outcome unknown, and the order or refund as it was, for `sync` to settle.
   */
  function isDefinitiveRefusal(error: unknown): boolean {
    return (ProviderApiError.isInstance(error) && !error.retryable) || ValidationError.isInstance(error);
  }

  async function failIfRefused(orderId: string, error: unknown): Promise<void> {
    if (isDefinitiveRefusal(error)) {
      await apply({ type: 'payment.failed', orderId, reason: (error as HutongError).code });
    }
  }

  const payments: Payments = {
    async createPayment(input) {
      const parsed = parseWithSchema(createInputSchema, input, 'input');
      assertAmount(input.amount, 'amount');
      const provider = providerById(parsed.provider);
      const method = parsed.method as PaymentMethod;
      if (!provider.capabilities.methods.includes(method))
        throw new UnsupportedOperationError(provider.id, `method ${method}`);
      if (method === 'pos' && !parsed.authCode) throw new ValidationError('authCode', 'is required for pos payments');
      const orderId = parsed.orderId ?? generateId();
      assertPortableId(orderId, 'orderId');
      const at = now();
      const notifyUrl = notifyUrlFor(provider.id, parsed.notifyUrl);
      const order: Order = {
        id: orderId,
        provider: provider.id,
        method,
        amount: input.amount,
        currency: CURRENCY,
        subject: parsed.subject,
        status: 'created',
        paidAmount: 0,
        refundedAmount: 0,
        providerTransactionId: null,
        refunds: [],
        anomalies: [],
        version: 1,
        buyerId: parsed.buyerId ?? null,
        expiresAt: parsed.expiresAt?.toISOString() ?? null,
        paidAt: null,
        notifyUrl,
        returnUrl: parsed.returnUrl ?? null,
        metadata: { ...parsed.metadata },
        createdAt: at.toISOString(),
        updatedAt: at.toISOString(),
      };
      await store.create(order);
      await emitter.emit('order.created', { order });
      let created: Awaited<ReturnType<PaymentProvider['createPayment']>>;
      try {
        created = await provider.createPayment({
          orderId,
          createdAt: at,
          method,
          amount: order.amount,
          currency: CURRENCY,
          subject: order.subject,
          notifyUrl,
          returnUrl: order.returnUrl,
          expiresAt: parsed.expiresAt ?? null,
          buyerId: order.buyerId,
          authCode: parsed.authCode ?? null,
          clientIp: parsed.clientIp ?? null,
          providerOptions: parsed.providerOptions ?? {},
        });
      } catch (error) {
        await failIfRefused(orderId, error);
        throw error;
      }
      let result = await apply({ type: 'payment.initiated', orderId });
      if (created.status) result = await apply(created.status);
      return { order: result.order, action: created.action };
    },

    async handleNotification(providerId, input) {
      const provider = providers.get(providerId);
      if (!provider) {
        const error = new ValidationError('provider', `${JSON.stringify(providerId)} is not a configured provider`);
        await emitter.emit('notification.rejected', { provider: providerId, error });
        return { ok: false, error, response: { status: 404, headers: {}, body: '' } };
      }
      try {
        const request = toNotificationRequest(input);
        const { event } = await provider.verifyNotification(request);
        const result = await apply(event);
        const anomalies: OrderAnomaly[] = [];
        for (const effect of result.effects) if (effect.type === 'order.anomaly') anomalies.push(effect.anomaly);
        return {
          ok: true,
          order: result.order,
          event,
          outcome: result.outcome,
          anomalies,
          response: provider.acknowledgeNotification({ accepted: true }),
        };
      } catch (error) {
        await emitter.emit('notification.rejected', { provider: providerId, error });
        return { ok: false, error, response: provider.acknowledgeNotification({ accepted: false, error }) };
      }
    },

    async sync(orderId) {
      const order = await getOrder(orderId);
      const provider = providerById(order.provider);
      require(provider, 'query');
      const status = await (provider.queryPayment as NonNullable<PaymentProvider['queryPayment']>)({ orderId, order });
      let latest = (await apply(status)).order;
      if (provider.capabilities.refundQuery && provider.queryRefund) {
        for (const refund of latest.refunds) {
          if (refund.status !== 'pending') continue;
          const event = await provider.queryRefund({ orderId, order: latest, refundId: refund.id });
          latest = (await apply(event)).order;
        }
      }
      return latest;
    },

    async close(orderId) {
      const order = await getOrder(orderId);
      assertCanClose(order);
      const provider = providerById(order.provider);
      require(provider, 'close');
      try {
        await (provider.closePayment as NonNullable<PaymentProvider['closePayment']>)({ orderId, order });
      } catch (error) {
        // Paid in the meantime: record the payment before reporting the failed close.
        if (
          ProviderApiError.isInstance(error) &&
          error.normalizedCode === 'already_paid' &&
          provider.capabilities.query
        ) {
          await payments.sync(orderId);
        }
        throw error;
      }
      return (await apply({ type: 'payment.closed', orderId })).order;
    },

    async refund(orderId, input) {
      const parsed = parseWithSchema(refundInputSchema, input, 'input');
      assertAmount(input.amount, 'amount');
      const amount = input.amount;
      const refundId = parsed.refundId ?? generateId();
      assertPortableId(refundId, 'refundId');
      const order = await getOrder(orderId);
      const provider = providerById(order.provider);
      require(provider, 'refund');
      if (!provider.capabilities.partialRefund && amount !== order.paidAmount) {
        throw new UnsupportedOperationError(provider.id, 'partial refunds');
      }
      const earlier = order.refunds.filter((r) => r.status !== 'failed' && r.id !== refundId);
      if (!provider.capabilities.multipleRefunds && earlier.length > 0) {
        throw new UnsupportedOperationError(provider.id, 'more than one refund per order');
      }
      const requested = await apply({ type: 'refund.requested', orderId, refundId, amount, reason: parsed.reason });
      let status: Awaited<ReturnType<NonNullable<PaymentProvider['refund']>>>;
      try {
        status = await (provider.refund as NonNullable<PaymentProvider['refund']>)({
          orderId,
          order: requested.order,
          refundId,
          amount,
          reason: parsed.reason ?? null,
        });
      } catch (error) {
        if (isDefinitiveRefusal(error)) {
          await apply({ type: 'refund.failed', orderId, refundId, reason: (error as HutongError).code });
        }
        throw error;
      }
      const final = (await apply(status)).order;
      return { order: final, refund: final.refunds.find((r) => r.id === refundId) as Refund };
    },

    getOrder,

    on(type, listener) {
      return emitter.on(type, listener);
    },

    webhookHandler(providerId) {
      providerById(providerId);
      return createWebhookHandler((input) => payments.handleNotification(providerId, input));
    },

    nodeWebhookHandler(providerId) {
      providerById(providerId);
      return createNodeWebhookHandler((input) => payments.handleNotification(providerId, input));
    },

    provider: providerById,
  };
  return payments;
}

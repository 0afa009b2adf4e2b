/**
 * The payments facade: one object to start payments, take webhooks, refund, close and reconcile,
 * across every configured provider.
 *
 * @packageDocumentation
 */
import {
  AmountMismatchError,
  ConflictError,
  HutongError,
  InvalidTransitionError,
  NetworkError,
  OrderNotFoundError,
  ProviderApiError,
  UnexpectedResponseError,
  UnsupportedOperationError,
  ValidationError,
} from './errors.js';
import { assertAmount, CURRENCY } from './money.js';
import type { NextAction, PosAction } from './next-action.js';
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
import {
  type ClaimedOutboxEvent,
  createOutboxRelay,
  type OutboxEvent,
  type OutboxRelay,
  type OutboxRelayOptions,
  outboxEventId,
} from './outbox.js';
import { classifyPaymentCode, PAYMENT_CODE_RULES, type PaymentCodeRule } from './payment-code.js';
import { isPaymentMethod, type PaymentMethod } from './payment-method.js';
import {
  PaymentsEmitter,
  type PaymentsEventMap,
  type PaymentsEventType,
  type PaymentsListener,
} from './payments-events.js';
import type {
  CreatePaymentRequest,
  CreatePaymentResult,
  PaymentProvider,
  ProviderCapabilities,
  ProviderTypes,
} from './provider-spec.js';
import { z } from './schema.js';
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
export interface PaymentsOptions<P extends AnyProvider = AnyProvider> {
  /** The providers to offer; ids must be unique. Their ids and types type the facade. */
  providers: readonly P[];
  /** Where orders live. Default: a new {@link MemoryOrderStore}. */
  store?: OrderStore | undefined;
  /** Default notification URL: a string, or a function of the provider id. */
  notifyUrl?: (string | ((provider: P['id']) => string)) | undefined;
  /** The clock. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
  /** How many times a write that lost a race is re-read and re-applied. Default 16. */
  maxConflictRetries?: number | undefined;
  /** Receives errors thrown by event listeners (the stored change stands). Default: `console.error`. */
  onListenerError?: ((error: unknown, event: PaymentsEventType) => void) | undefined;
  /**
   * The outbox relay, with a store that has an outbox (`store.outbox`, e.g. `@hutong/store-sql`):
   * its options, or `false` for none in this process (another process relays). Ignored with a store
   * without an outbox, whose events are emitted inline. Default `{}`.
   */
  relay?: PaymentsRelayOptions | false | undefined;
}

/**
 * Options of the facade's outbox relay ({@link PaymentsOptions.relay}); see
 * {@link OutboxRelayOptions} for each.
 *
 * @example
 * ```ts
 * // Every instance gets every event: one consumer group per instance, with a stable name.
 * createPayments({ providers, store, relay: { group: `instance-${process.env.HOSTNAME}` } });
 * ```
 */
export interface PaymentsRelayOptions
  extends Pick<
    OutboxRelayOptions,
    'group' | 'consumer' | 'batchSize' | 'leaseMs' | 'pollIntervalMs' | 'maxAttempts' | 'onError'
  > {
  /**
   * Start the relay when the first listener of an order or refund event is registered with
   * `payments.on` (default `true`). With `false`, call `payments.relay.start()` yourself.
   */
  readonly autoStart?: boolean | undefined;
}

/**
 * Any provider, whatever its id and types: the bound of the facade's type parameter.
 */
export type AnyProvider = PaymentProvider<string, ProviderTypes>;

/** The provider with id `Id` among the providers `P`. */
export type ProviderWithId<P extends AnyProvider, Id extends string> = P extends AnyProvider
  ? Id extends P['id']
    ? P
    : never
  : never;

/** The type-level declarations of provider `P` (its `providerOptions` and actions). */
export type TypesOf<P extends AnyProvider> =
  NonNullable<P['~types']> extends ProviderTypes ? NonNullable<P['~types']> : ProviderTypes;

/** The methods provider `P` takes, as its types declare them. */
export type MethodOf<P extends AnyProvider> = keyof TypesOf<P>['actions'] & PaymentMethod;

/** The `providerOptions` type of provider `P`. */
export type ProviderOptionsOf<P extends AnyProvider> = TypesOf<P>['providerOptions'];

/** The action provider `P` answers for method `M`. */
export type ActionOf<P extends AnyProvider, M extends PaymentMethod> = M extends keyof TypesOf<P>['actions']
  ? NonNullable<TypesOf<P>['actions'][M]>
  : NextAction | PosAction;

/**
 * Input of {@link Payments.createPayment}, for provider `P` and method `M`: `providerOptions` is
 * typed by the provider, `method` limited to what it takes.
 *
 * @example
 * ```ts
 * const input: CreatePaymentInput = { provider: 'alipay', method: 'qr', amount: 1999, subject: 'Tea' };
 * ```
 */
export interface CreatePaymentInput<P extends AnyProvider = AnyProvider, M extends PaymentMethod = MethodOf<P>> {
  /** Provider id, e.g. `alipay`. */
  provider: P['id'];
  /** How the buyer pays; one the provider takes. */
  method: M;
  /** Amount in fen (integer). `1999` is 19.99 yuan. */
  amount: number;
  /** What the buyer sees on their statement (1 to 127 characters). */
  subject: string;
  /** 8 to 32 letters and digits; generated when absent. */
  orderId?: string | undefined;
  /** When the buyer can no longer pay. */
  expiresAt?: Date | undefined;
  /** Overrides the facade's `notifyUrl` for this order. */
  notifyUrl?: string | undefined;
  /** Where the buyer returns after paying (`page`, `h5`). */
  returnUrl?: string | undefined;
  /** The buyer's id at the provider (`jsapi`: WeChat openid, Alipay buyer id). */
  buyerId?: string | undefined;
  /** The buyer's payment code (`pos`). */
  authCode?: string | undefined;
  /** The buyer's IP address. */
  clientIp?: string | undefined;
  /** The merchant's own data, stored on the order. */
  metadata?: Record<string, string> | undefined;
  /** Options only the chosen provider understands; unknown keys are refused. */
  providerOptions?: ProviderOptionsOf<P> | undefined;
}

/** Result of {@link Payments.createPayment}: the order and the buyer's next step for its method. */
export interface CreatePaymentOutput<A = NextAction | PosAction> {
  order: Order;
  /** The buyer's next step (for `pos`, the payment's status). */
  action: A;
}

/**
 * Input of {@link Payments.payWithCode}: a payment code scanned at the till, of any configured
 * wallet.
 *
 * @example
 * ```ts
 * await payments.payWithCode({ authCode: scanned, amount: 1800, subject: '拿铁 大杯' });
 * ```
 */
export interface PayWithCodeInput<P extends AnyProvider = AnyProvider> {
  /** The buyer's payment code as scanned (digits). Its wallet picks the provider. */
  authCode: string;
  /** Amount in fen (integer). */
  amount: number;
  /** What the buyer sees on their statement. */
  subject: string;
  /** 8 to 32 letters and digits; generated when absent. */
  orderId?: string | undefined;
  /** The merchant's own data, stored on the order. */
  metadata?: Record<string, string> | undefined;
  /** The provider to use, when several are configured for the code's wallet. Default: the first. */
  provider?: P['id'] | undefined;
  /** Rules mapping codes to wallets. Default {@link PAYMENT_CODE_RULES}. */
  rules?: readonly PaymentCodeRule[] | undefined;
  /**
   * How long to wait for a buyer who confirms in their wallet (enters a password) before the payment
   * is cancelled, in milliseconds. Default 60 000.
   */
  confirmTimeoutMs?: number | undefined;
  /** How often to ask the wallet while the buyer confirms, in milliseconds. Default 3 000. */
  pollIntervalMs?: number | undefined;
}

/**
 * Input of {@link Payments.resume}: what the order does not keep and the wallet may need again.
 *
 * @example
 * ```ts
 * await payments.resume(order.id, { clientIp: '203.0.113.7' });
 * ```
 */
export interface ResumeInput<P extends AnyProvider = AnyProvider> {
  /** The buyer's IP address (WeChat Pay `h5`). */
  clientIp?: string | undefined;
  /** Provider options for the new attempt, as for `createPayment`. */
  providerOptions?: ProviderOptionsOf<P> | undefined;
}

/**
 * Input of {@link Payments.refund}.
 *
 * @example
 * ```ts
 * const input: RefundInput = { refundId: 'refund0001', amount: 500, reason: '少发一盒' };
 * ```
 */
export interface RefundInput {
  /** Amount in fen. */
  amount: number;
  /**
   * The merchant's id for this refund, 8 to 32 letters and digits (the wallets' `out_request_no`,
   * `out_refund_no`): required, as the wallets require it. A second call with the same id returns
   * the same refund and never refunds twice, concurrent calls (a double click) included. Derive it
   * from what the buyer asked for (a return or ticket number), not from the click.
   */
  refundId: string;
  /** Shown to the buyer by some wallets; at most 80 characters. */
  reason?: string | undefined;
}

/** Result of {@link Payments.refund}. */
export interface RefundOutput {
  order: Order;
  refund: Refund;
}

/** A notification that was verified and whose event is stored (or already was). */
export interface AcceptedNotification {
  ok: true;
  /** The order after the event. */
  order: Order;
  /** The verified event. */
  event: PaymentEvent;
  /** `applied`, or `duplicate` / `stale` when the event changed nothing. */
  outcome: TransitionResult['outcome'];
  /** Anomalies this notification revealed (recorded on the order). */
  anomalies: OrderAnomaly[];
  /** The exact reply the provider expects. */
  response: WebhookResponse;
  error?: undefined;
}

/** A notification that was refused (unverified, unknown order, store failure, ...). */
export interface RejectedNotification {
  ok: false;
  /** Why it was refused. */
  error: unknown;
  order?: undefined;
  event?: undefined;
  outcome?: undefined;
  anomalies?: undefined;
  /** The exact reply the provider expects (it redelivers when this is not a 2xx). */
  response: WebhookResponse;
}

/**
 * Result of {@link Payments.handleNotification}, narrowed by `ok`. `response` is always set: send
 * it back as is.
 *
 * @example
 * ```ts
 * const result = await payments.handleNotification('alipay', { headers, body });
 * if (result.ok) console.log(result.order.id, result.outcome);
 * ```
 */
export type HandleNotificationResult = AcceptedNotification | RejectedNotification;

/**
 * The payments facade returned by {@link createPayments}, typed by its providers `P`: provider ids,
 * methods, `providerOptions` and actions are checked at compile time.
 */
// biome-ignore lint/suspicious/noExplicitAny: `Payments` without arguments is any facade, whatever its providers.
export interface Payments<P extends AnyProvider = any> {
  /**
   * Records an order and asks the provider for the buyer's next step. What the provider needs for
   * the method is checked first: a caller's mistake stores nothing and fires no event.
   */
  createPayment<Id extends P['id'], M extends MethodOf<ProviderWithId<P, Id>>>(
    input: CreatePaymentInput<ProviderWithId<P, Id>, M> & { provider: Id },
  ): Promise<CreatePaymentOutput<ActionOf<ProviderWithId<P, Id>, M>>>;
  /**
   * Takes a payment code scanned at the till, of any configured wallet (互认互扫): the code's wallet
   * picks the provider, a `pos` payment is made, and while the buyer confirms in their wallet it asks
   * the wallet until the payment settles or `confirmTimeoutMs` passes, then cancels it. An unknown
   * code, or one of a wallet no provider takes, is a `ValidationError` before anything is stored.
   */
  payWithCode(input: PayWithCodeInput<P>): Promise<CreatePaymentOutput<PosAction>>;
  /**
   * A fresh next action for an order still unpaid (the buyer dismissed the wallet's sheet), by the
   * wallet's own rule for paying the same order again. Never creates a second payable order.
   */
  resume(orderId: string, input?: ResumeInput<P>): Promise<CreatePaymentOutput>;
  /** Verifies a notification, applies it atomically and returns the reply to send. Never throws. */
  handleNotification(provider: P['id'], input: NotificationInput): Promise<HandleNotificationResult>;
  /** Asks the provider for the payment's (and pending refunds') state and applies it. */
  sync(orderId: string): Promise<Order>;
  /** Closes an unpaid order at the provider. */
  close(orderId: string): Promise<Order>;
  /** Refunds part or all of a paid order; never beyond what was paid, pending refunds included. */
  refund(orderId: string, input: RefundInput): Promise<RefundOutput>;
  /** The stored order; throws {@link OrderNotFoundError}. */
  getOrder(orderId: string): Promise<Order>;
  /**
   * Subscribes to a facade event; returns the unsubscribe function. With a store that has an outbox,
   * the first listener of an order or refund event starts {@link Payments.relay} (unless
   * `relay.autoStart` is `false`).
   */
  on<T extends PaymentsEventType>(type: T, listener: PaymentsListener<T>): () => void;
  /**
   * The outbox relay, when the store has an outbox and `relay` is not `false`: it delivers the
   * events the facade wrote with each order to this facade's listeners, at least once. Stop it
   * (`await payments.relay?.stop()`) before closing the database. `undefined` otherwise: events are
   * then emitted inline, right after the store write.
   */
  readonly relay: OutboxRelay | undefined;
  /** A `(Request) => Promise<Response>` webhook endpoint for one provider (web-standard servers). */
  webhookHandler(provider: P['id']): (request: Request) => Promise<Response>;
  /** A webhook endpoint for Node's `http` (and Express, Fastify's raw mode, ...). */
  nodeWebhookHandler(provider: P['id']): NodeWebhookHandler;
  /** The configured provider with this id, with its own type (`WechatpayProvider`, ...). */
  provider<Id extends P['id']>(id: Id): ProviderWithId<P, Id>;
  /** The configured providers, in the order given. */
  readonly providers: readonly P[];
}

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' });
const authCodeFormat = z.regex(/^[0-9]{10,32}$/, 'must be the 10 to 32 digits of a payment code');

const createInputSchema = z.object({
  provider: z.string().check(z.minLength(1)),
  method: z.string().check(z.refine(isPaymentMethod, 'is not a payment method (qr, page, h5, jsapi, app, pos)')),
  amount: z.unknown(),
  subject: z
    .string()
    .check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(127, 'must be at most 127 characters')),
  orderId: z.optional(z.string()),
  expiresAt: z.optional(z.date()), // an Invalid Date fails as `must be a valid date`
  notifyUrl: z.optional(httpUrl),
  returnUrl: z.optional(httpUrl),
  buyerId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  authCode: z.optional(z.string().check(authCodeFormat)),
  clientIp: z.optional(ipAddress),
  metadata: z.optional(z.record(z.string(), z.string())),
  providerOptions: z.optional(z.record(z.string(), z.unknown())),
});

const authCodeSchema = z.string({ error: 'is required' }).check(authCodeFormat);

const resumeInputSchema = z.object({
  clientIp: z.optional(ipAddress),
  providerOptions: z.optional(z.record(z.string(), z.unknown())),
});

const refundInputSchema = z.object({
  amount: z.unknown(),
  refundId: z.string({ error: 'is required: the id that makes a repeated refund request safe' }),
  reason: z.optional(z.string().check(z.maxLength(80, 'must be at most 80 characters'))),
});

function defaultListenerError(error: unknown, event: PaymentsEventType): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`[hutong] a listener of ${event} threw: ${message}`);
}

function defaultRelayError(
  error: unknown,
  context: { event?: ClaimedOutboxEvent | undefined; gaveUp?: boolean | undefined },
): void {
  // Listener errors reach `onListenerError`; what is left is a store failure or a delivery given up.
  if (context.event && !context.gaveUp) return;
  const message = error instanceof Error ? error.message : String(error);
  console.error(`[hutong] outbox relay: ${message}`);
}

/** What a listener receives for an outbox event: its payload, its id, and a rebuilt amount error. */
function listenerPayload(event: OutboxEvent): PaymentsEventMap[OutboxEvent['type']] {
  if (event.type === 'order.anomaly') {
    const { order, anomaly } = event.payload;
    if (anomaly.code === 'amount_mismatch' && anomaly.amount !== null) {
      return {
        order,
        anomaly,
        error: new AmountMismatchError(order.id, order.amount, anomaly.amount),
        eventId: event.id,
      };
    }
  }
  return { ...event.payload, eventId: event.id } as PaymentsEventMap[OutboxEvent['type']];
}

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

/** A notify URL given to the facade, checked like the one given for each order. */
function checkNotifyUrl(url: unknown, field: string): string {
  return parseWithSchema(httpUrl, url, field);
}

/**
 * Any failure of a provider call as a hutong error: a non-hutong error (a `SyntaxError` from a bad
 * reply, a bug) means the reply could not be read, so the outcome is unknown.
 */
function asHutongError(provider: string, error: unknown): HutongError {
  if (HutongError.isInstance(error)) return error;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : 'a non-error value was thrown';
  return new UnexpectedResponseError(provider, 'malformed', `the reply could not be read (${message})`, {
    cause: error,
  });
}

/**
 * Whether an error is a definitive refusal: a verified, non-retryable provider error, or input the
 * adapter refused before sending. Anything else (network failure, timeout, a reply that failed
 * verification, could not be read or answers another request) leaves the outcome unknown, and the
 * order or refund as it was, for `sync` to settle.
 */
function isDefinitiveRefusal(error: HutongError): boolean {
  return (ProviderApiError.isInstance(error) && !error.retryable) || ValidationError.isInstance(error);
}

const POS_STATUSES: ReadonlySet<string> = new Set(['paid', 'pending', 'failed', 'closed']);

/** The facade's answer for a `pos` payment: the order's status after the wallet's answer. */
function posAction(order: Order): PosAction {
  const status = POS_STATUSES.has(order.status) ? (order.status as PosAction['status']) : 'paid';
  return { type: 'pos', status };
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
export function createPayments<const P extends AnyProvider>(options: PaymentsOptions<P>): Payments<P> {
  const providers = new Map<string, P>();
  options.providers.forEach((provider, index) => {
    checkProvider(provider, index);
    if (providers.has(provider.id))
      throw new ValidationError(`providers.${index}.id`, `${provider.id} is configured twice`);
    providers.set(provider.id, provider);
  });
  if (typeof options.notifyUrl === 'string') checkNotifyUrl(options.notifyUrl, 'options.notifyUrl');
  const store: OrderStore = options.store ?? new MemoryOrderStore();
  const now = options.now ?? (() => new Date());
  const maxRetries = options.maxConflictRetries ?? 16;
  const emitter = new PaymentsEmitter(options.onListenerError ?? defaultListenerError);
  const outbox = store.outbox;
  const relayOptions = options.relay === false ? undefined : (options.relay ?? {});
  const relay =
    outbox && relayOptions
      ? createOutboxRelay({
          outbox,
          onError: defaultRelayError,
          ...relayOptions,
          deliver: (event) => emitter.emit(event.type, listenerPayload(event) as never),
        })
      : undefined;

  function providerById(id: string): P {
    const provider = providers.get(id);
    if (!provider) throw new ValidationError('provider', `${JSON.stringify(id)} is not a configured provider`);
    return provider;
  }

  function require<K extends keyof ProviderCapabilities>(provider: AnyProvider, capability: K): void {
    if (!provider.capabilities[capability]) throw new UnsupportedOperationError(provider.id, String(capability));
  }

  async function getOrder(orderId: string): Promise<Order> {
    const order = await store.get(orderId);
    if (!order) throw new OrderNotFoundError(orderId);
    return order;
  }

  async function emitEffects(order: Order, effects: readonly OrderEffect[]): Promise<void> {
    for (let index = 0; index < effects.length; index++) {
      const effect = effects[index] as OrderEffect;
      if (!emitter.has(effect.type)) continue;
      const eventId = outboxEventId(order.id, order.version, index);
      switch (effect.type) {
        case 'order.refunded':
          await emitter.emit(effect.type, { order, refund: effect.refund, fully: effect.fully, eventId });
          break;
        case 'refund.failed':
          await emitter.emit(effect.type, { order, refund: effect.refund, eventId });
          break;
        case 'order.anomaly':
          await emitter.emit(
            effect.type,
            effect.error
              ? { order, anomaly: effect.anomaly, error: effect.error, eventId }
              : { order, anomaly: effect.anomaly, eventId },
          );
          break;
        default:
          await emitter.emit(effect.type, { order, eventId });
      }
    }
  }

  /** The events of one stored change, for the outbox: one per effect, in order. */
  function outboxEvents(order: Order, effects: readonly OrderEffect[]): OutboxEvent[] | undefined {
    if (effects.length === 0) return undefined;
    return effects.map((effect, index) => {
      const base = { id: outboxEventId(order.id, order.version, index), orderId: order.id, createdAt: order.updatedAt };
      switch (effect.type) {
        case 'order.refunded':
          return { ...base, type: effect.type, payload: { order, refund: effect.refund, fully: effect.fully } };
        case 'refund.failed':
          return { ...base, type: effect.type, payload: { order, refund: effect.refund } };
        case 'order.anomaly':
          return { ...base, type: effect.type, payload: { order, anomaly: effect.anomaly } };
        default:
          return { ...base, type: effect.type, payload: { order } };
      }
    });
  }

  function hasListenersFor(effects: readonly OrderEffect[]): boolean {
    for (const effect of effects) if (emitter.has(effect.type)) return true;
    return false;
  }

  /**
   * Applies an event with compare-and-set, re-reading and re-applying when another writer won.
   * `expectedProvider` binds a provider's event to that provider's orders.
   */
  async function apply(
    event: OrderEvent,
    expectedProvider?: string,
    patch?: Partial<Order>,
  ): Promise<TransitionResult> {
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      const current = await store.get(event.orderId);
      if (!current) throw new OrderNotFoundError(event.orderId);
      if (expectedProvider !== undefined && current.provider !== expectedProvider) {
        throw new ValidationError(
          'event.orderId',
          `order ${event.orderId} belongs to provider ${current.provider}, not ${expectedProvider}`,
        );
      }
      const result = transition(current, event, now());
      if (result.outcome !== 'applied' && !patch) return result;
      const next =
        patch === undefined
          ? result.order
          : { ...result.order, ...patch, version: current.version + 1, updatedAt: now().toISOString() };
      const events = outbox ? outboxEvents(next, result.effects) : undefined;
      if (await store.update(next, current.version, events)) {
        if (outbox) {
          if (events) relay?.wake();
        } else if (hasListenersFor(result.effects)) await emitEffects(next, result.effects);
        return { ...result, order: next, outcome: patch && result.outcome !== 'applied' ? 'applied' : result.outcome };
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
    if (typeof options.notifyUrl === 'function')
      return checkNotifyUrl(options.notifyUrl(provider), 'options.notifyUrl');
    return options.notifyUrl ?? null;
  }

  /** Calls a provider, turning whatever it throws into a hutong error. */
  async function call<T>(provider: AnyProvider, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw asHutongError(provider.id, error);
    }
  }

  function providerDataPatch(order: Order, created: CreatePaymentResult): Partial<Order> | undefined {
    if (!created.providerData) return undefined;
    return { providerData: { ...order.providerData, ...created.providerData } };
  }

  async function createPayment(input: CreatePaymentInput): Promise<CreatePaymentOutput> {
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
    const request: CreatePaymentRequest = {
      orderId,
      createdAt: at,
      method,
      amount: input.amount,
      currency: CURRENCY,
      subject: parsed.subject,
      notifyUrl: notifyUrlFor(provider.id, parsed.notifyUrl),
      returnUrl: parsed.returnUrl ?? null,
      expiresAt: parsed.expiresAt ?? null,
      buyerId: parsed.buyerId ?? null,
      authCode: parsed.authCode ?? null,
      clientIp: parsed.clientIp ?? null,
      providerOptions: parsed.providerOptions ?? {},
    };
    // What the provider needs is checked before anything is stored or any event fires.
    provider.validatePayment?.(request);
    const order: Order = {
      id: orderId,
      provider: provider.id,
      method,
      amount: request.amount,
      currency: CURRENCY,
      subject: request.subject,
      status: 'created',
      paidAmount: 0,
      refundedAmount: 0,
      providerTransactionId: null,
      refunds: [],
      anomalies: [],
      version: 1,
      buyerId: request.buyerId,
      expiresAt: request.expiresAt?.toISOString() ?? null,
      paidAt: null,
      notifyUrl: request.notifyUrl,
      returnUrl: request.returnUrl,
      metadata: { ...parsed.metadata },
      providerData: {},
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
    };
    const eventId = outboxEventId(order.id, order.version, 0);
    if (outbox) {
      await store.create(order, [
        { id: eventId, type: 'order.created', orderId, payload: { order }, createdAt: order.updatedAt },
      ]);
      relay?.wake();
    } else {
      await store.create(order);
      await emitter.emit('order.created', { order, eventId });
    }
    let created: CreatePaymentResult;
    try {
      created = await call(provider, () => provider.createPayment(request));
    } catch (error) {
      if (isDefinitiveRefusal(error as HutongError)) {
        await apply({ type: 'payment.failed', orderId, reason: (error as HutongError).code });
      }
      throw error;
    }
    let result = await apply({ type: 'payment.initiated', orderId }, undefined, providerDataPatch(order, created));
    if (created.status) result = await apply(created.status, provider.id);
    return { order: result.order, action: method === 'pos' ? posAction(result.order) : created.action };
  }

  async function payWithCode(input: PayWithCodeInput<P>): Promise<CreatePaymentOutput<PosAction>> {
    const authCode = parseWithSchema(authCodeSchema, input?.authCode, 'authCode');
    const wallet = classifyPaymentCode(authCode, input.rules ?? PAYMENT_CODE_RULES);
    if (wallet === undefined) throw new ValidationError('authCode', 'is not a payment code of any known wallet');
    let provider: AnyProvider | undefined;
    if (input.provider !== undefined) {
      provider = providerById(input.provider);
      if (provider.wallet !== wallet) {
        throw new ValidationError('authCode', `is a ${wallet} code, not one of ${provider.id} (${provider.wallet})`);
      }
    } else {
      provider = options.providers.find((p) => p.wallet === wallet && p.capabilities.methods.includes('pos'));
    }
    if (!provider?.capabilities.methods.includes('pos')) {
      throw new ValidationError(
        'authCode',
        `is a ${wallet} code, and no configured provider takes ${wallet} pos payments`,
      );
    }
    const created = await createPayment({
      provider: provider.id,
      method: 'pos',
      authCode,
      amount: input.amount,
      subject: input.subject,
      ...(input.orderId === undefined ? {} : { orderId: input.orderId }),
      ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
    });
    let order = created.order;
    const deadline = Date.now() + (input.confirmTimeoutMs ?? 60_000);
    const interval = input.pollIntervalMs ?? 3_000;
    while (order.status === 'pending' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(interval, deadline - Date.now()))));
      try {
        order = await payments.sync(order.id);
      } catch (error) {
        // The outcome is unknown for now; ask again until the deadline.
        if (!NetworkError.isInstance(error) && !UnexpectedResponseError.isInstance(error)) throw error;
      }
    }
    if (order.status === 'pending') {
      // The buyer never confirmed: cancel, so the code cannot be charged after the till gave up.
      try {
        order = await payments.close(order.id);
      } catch (error) {
        order = await payments.getOrder(order.id);
        if (order.status === 'pending') throw error;
      }
    }
    return { order, action: posAction(order) };
  }

  const payments: Payments<P> = {
    createPayment: createPayment as unknown as Payments<P>['createPayment'],

    payWithCode,

    async resume(orderId, input = {}) {
      const parsed = parseWithSchema(resumeInputSchema, input, 'input');
      const order = await getOrder(orderId);
      const provider = providerById(order.provider);
      require(provider, 'resume');
      if (order.status !== 'created' && order.status !== 'pending') {
        throw new InvalidTransitionError(order.id, order.status, 'resume');
      }
      if (order.method === 'pos') throw new UnsupportedOperationError(provider.id, 'resuming a pos payment');
      if (order.expiresAt !== null && Date.parse(order.expiresAt) <= now().getTime()) {
        throw new ValidationError('orderId', `order ${order.id} expired at ${order.expiresAt}; create a new order`);
      }
      const request = {
        orderId,
        order,
        createdAt: new Date(order.createdAt),
        method: order.method,
        amount: order.amount,
        currency: order.currency,
        subject: order.subject,
        notifyUrl: order.notifyUrl,
        returnUrl: order.returnUrl,
        expiresAt: order.expiresAt === null ? null : new Date(order.expiresAt),
        buyerId: order.buyerId,
        authCode: null,
        clientIp: parsed.clientIp ?? null,
        providerOptions: parsed.providerOptions ?? {},
      };
      provider.validatePayment?.(request);
      const resumePayment = provider.resumePayment as NonNullable<AnyProvider['resumePayment']>;
      const created = await call(provider, () => resumePayment.call(provider, request));
      let latest = order;
      const patch = providerDataPatch(order, created);
      if (patch) latest = (await apply({ type: 'payment.initiated', orderId }, provider.id, patch)).order;
      if (created.status) latest = (await apply(created.status, provider.id)).order;
      return { order: latest, action: created.action };
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
        const result = await apply(event, provider.id);
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
      const queryPayment = provider.queryPayment as NonNullable<AnyProvider['queryPayment']>;
      const status = await call(provider, () => queryPayment.call(provider, { orderId, order }));
      let latest = (await apply(status, provider.id)).order;
      if (provider.capabilities.refundQuery && provider.queryRefund) {
        const queryRefund = provider.queryRefund;
        for (const refund of latest.refunds) {
          if (refund.status !== 'pending') continue;
          const current = latest;
          const event = await call(provider, () =>
            queryRefund.call(provider, { orderId, order: current, refundId: refund.id }),
          );
          latest = (await apply(event, provider.id)).order;
        }
      }
      return latest;
    },

    async close(orderId) {
      const order = await getOrder(orderId);
      assertCanClose(order);
      const provider = providerById(order.provider);
      require(provider, 'close');
      const closePayment = provider.closePayment as NonNullable<AnyProvider['closePayment']>;
      try {
        await call(provider, () => closePayment.call(provider, { orderId, order }));
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
      return (await apply({ type: 'payment.closed', orderId }, provider.id)).order;
    },

    async refund(orderId, input) {
      const parsed = parseWithSchema(refundInputSchema, input, 'input');
      assertAmount(input.amount, 'amount');
      const amount = input.amount;
      const refundId = parsed.refundId;
      assertPortableId(refundId, 'input.refundId');
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
      if (requested.outcome !== 'applied') {
        // This refund id was already requested (a double click, a retry): the same refund, never a
        // second request to the wallet. A refund left pending settles by notification or `sync`.
        return { order: requested.order, refund: requested.order.refunds.find((r) => r.id === refundId) as Refund };
      }
      const sendRefund = provider.refund as NonNullable<AnyProvider['refund']>;
      let status: Awaited<ReturnType<typeof sendRefund>>;
      try {
        status = await call(provider, () =>
          sendRefund.call(provider, {
            orderId,
            order: requested.order,
            refundId,
            amount,
            reason: parsed.reason ?? null,
          }),
        );
      } catch (error) {
        if (isDefinitiveRefusal(error as HutongError)) {
          await apply({ type: 'refund.failed', orderId, refundId, reason: (error as HutongError).code });
        }
        throw error;
      }
      const final = (await apply(status, provider.id)).order;
      return { order: final, refund: final.refunds.find((r) => r.id === refundId) as Refund };
    },

    getOrder,

    on(type, listener) {
      const off = emitter.on(type, listener);
      if (relay && type !== 'notification.rejected' && relayOptions?.autoStart !== false) relay.start();
      return off;
    },

    relay,

    webhookHandler(providerId) {
      providerById(providerId);
      return createWebhookHandler(
        (input) => payments.handleNotification(providerId, input),
        async (error) => {
          await emitter.emit('notification.rejected', { provider: providerId, error });
        },
      );
    },

    nodeWebhookHandler(providerId) {
      providerById(providerId);
      return createNodeWebhookHandler(
        (input) => payments.handleNotification(providerId, input),
        async (error) => {
          await emitter.emit('notification.rejected', { provider: providerId, error });
        },
      );
    },

    provider: providerById as Payments<P>['provider'],

    providers: Object.freeze([...options.providers]),
  };
  return payments;
}

/**
 * The control API of `hutong-sandbox start` (`GET /`, `POST /trigger`), as a fetch handler. It
 * serves test keys and makes the sandboxes post notifications, so it answers loopback clients only:
 * a `Host` that is not loopback (DNS rebinding), an `Origin` that is not loopback (a web page) and
 * a POST that is not `application/json` (a cross-site form or `text/plain` post) are refused.
 *
 * @packageDocumentation
 */
import { HutongError, NetworkError } from '@hutong/core';
import { parseWithSchema, z } from '@hutong/core/provider-utils';
import { WALLETS } from './sandbox-kit.js';
import type { SubMerchantRequest, SubMerchantResult } from './sandbox-merchants.js';
import type { TriggerRequest, TriggerResult } from './sandbox-trigger.js';
import type { MovementTriggerRequest, MovementTriggerResult } from './sandbox-trigger-movement.js';

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether a `Host` header (`name[:port]`) names this machine's loopback. */
export function isLoopbackHost(host: string | null): boolean {
  if (host === null) return false;
  const match = /^(\[[^\]]*\]|[^:]*)(?::\d{1,5})?$/.exec(host.trim().toLowerCase());
  return match !== null && LOOPBACK_HOSTNAMES.has(match[1] as string);
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.host);
  } catch {
    return false;
  }
}

const triggerSchema = z.strictObject({
  event: z.enum(['payment', 'refund', 'notification']),
  wallet: z.enum(WALLETS),
  orderId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  to: z.optional(z.url({ protocol: /^https?$/ })),
  amount: z.optional(z.int().check(z.positive())),
  refundId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
});

const id = () => z.optional(z.string().check(z.minLength(1), z.maxLength(64)));

const movementTriggerSchema = z.strictObject({
  event: z.enum(['split', 'transfer']),
  wallet: z.enum(['alipay', 'wechatpay']),
  splitId: id(),
  orderId: id(),
  transferId: id(),
  fail: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(64))).check(z.minLength(1), z.maxLength(50))),
  status: z.optional(z.enum(['succeeded', 'failed', 'cancelled'])),
  to: z.optional(z.url({ protocol: /^https?$/ })),
});

/** Whether a trigger's body asks for a split or a transfer (read before its schema is chosen). */
function isMovementTrigger(body: unknown): boolean {
  const event = (body as { event?: unknown } | null)?.event;
  return event === 'split' || event === 'transfer';
}

const merchantSchema = z.strictObject({
  wallet: z.enum(WALLETS),
  name: z.string().check(z.minLength(1), z.maxLength(64)),
  id: z.optional(z.string().check(z.regex(/^[0-9A-Za-z]{1,32}$/))),
  abbr: z.optional(z.string().check(z.minLength(1), z.maxLength(32))),
  subAppId: z.optional(z.string().check(z.regex(/^[0-9A-Za-z_]{1,32}$/))),
});

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

const refuse = (status: number, error: string, message: string) => json(status, { error, message });

/**
 * Builds the control API's handler: `GET /` answers `describe()`, `POST /trigger` runs a
 * {@link TriggerRequest} (a {@link MovementTriggerRequest} with `movementTrigger`, for the events
 * `split` and `transfer`). Serve it with `createNodeHandler` on a loopback address.
 *
 * @example
 * ```ts
 * const handler = createControlHandler({ describe: () => ({}), trigger: createTrigger(createSandboxKit()) });
 * const reply = await handler(new Request('http://127.0.0.1:4700/', { headers: { host: '127.0.0.1:4700' } }));
 * ```
 */
export function createControlHandler(options: {
  describe: () => object;
  trigger: (request: TriggerRequest) => Promise<TriggerResult>;
  /** `POST /trigger` for `split` and `transfer`: settles a split or finishes a transfer and posts its notifications. */
  movementTrigger?: ((request: MovementTriggerRequest) => Promise<MovementTriggerResult>) | undefined;
  /** `POST /merchants`: registers a sub-merchant (platform mode) with a sandbox. */
  addMerchant?: ((request: SubMerchantRequest) => SubMerchantResult) | undefined;
}): (request: Request) => Promise<Response> {
  return async (request) => {
    if (!isLoopbackHost(request.headers.get('host'))) {
      return refuse(403, 'forbidden_host', 'hutong-sandbox answers requests to 127.0.0.1 or localhost only');
    }
    const origin = request.headers.get('origin');
    if (origin !== null && !isLoopbackOrigin(origin)) {
      return refuse(403, 'forbidden_origin', 'hutong-sandbox does not answer web pages of other origins');
    }
    const { pathname } = new URL(request.url);
    if (pathname === '/' && (request.method === 'GET' || request.method === 'HEAD')) {
      return json(200, options.describe());
    }
    const addMerchant = pathname === '/merchants' ? options.addMerchant : undefined;
    if (pathname !== '/trigger' && !addMerchant) return refuse(404, 'not_found', 'GET / or POST /trigger');
    if (request.method !== 'POST') return refuse(405, 'method_not_allowed', `POST ${pathname}`);
    const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return refuse(415, 'unsupported_media_type', `POST ${pathname} takes Content-Type: application/json`);
    }
    let body: unknown;
    try {
      body = JSON.parse(await request.text());
    } catch {
      return refuse(400, 'bad_json', 'the body is not JSON');
    }
    try {
      if (addMerchant) return json(200, addMerchant(parseWithSchema(merchantSchema, body, 'merchant')));
      if (options.movementTrigger && isMovementTrigger(body)) {
        return json(200, await options.movementTrigger(parseWithSchema(movementTriggerSchema, body, 'trigger')));
      }
      return json(200, await options.trigger(parseWithSchema(triggerSchema, body, 'trigger')));
    } catch (error) {
      if (NetworkError.isInstance(error)) return refuse(502, error.code, error.message);
      if (HutongError.isInstance(error)) return refuse(400, error.code, error.message);
      throw error; // createNodeHandler answers 500
    }
  };
}

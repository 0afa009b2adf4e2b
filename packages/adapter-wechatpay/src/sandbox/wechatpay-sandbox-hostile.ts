/**
 * The WeChat Pay sandbox as an attacker or a faulty gateway would act, for tests that an adapter
 * refuses what it must: a notification whose amount was changed under its signature, one signed
 * by a key that is not WeChat Pay's, one without its signature header, a genuine one for another
 * merchant, a genuine one too old to accept, and a reply altered on its way.
 *
 * @packageDocumentation
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  decryptWechatpayResource,
  encryptWechatpayResource,
  formatWechatpayTime,
  WECHATPAY_TIMESTAMP_TOLERANCE,
  type WechatpayEncryptedResource,
} from '@hutong/adapter-wechatpay/protocol';
import { type NotificationInput, ValidationError } from '@hutong/core';
import { normalizeHeaders } from '@hutong/core/provider-utils';
import type { SandboxHostileHooks, SandboxReplyTampering } from '@hutong/core/testing';
import type { WechatpaySandboxNotifier } from './wechatpay-sandbox-notifications.js';
import type { Json, WechatpaySandboxState } from './wechatpay-sandbox-state.js';

/**
 * Another merchant (and its app) a foreign notification names: genuine, but not for this merchant.
 *
 * @example
 * ```ts
 * WECHATPAY_SANDBOX_FOREIGN_MERCHANT.mchId; // what sandbox.hostile.foreignNotification names
 * ```
 */
export const WECHATPAY_SANDBOX_FOREIGN_MERCHANT = { mchId: '1900000109', appId: 'wx8888888888888888' } as const;

/**
 * The WeChat Pay sandbox's hostile hooks (core's `SandboxHostileHooks`): a forged notification is
 * the genuine one with the amount changed inside its re-encrypted resource; an unsigned one is
 * signed by an attacker's RSA key under WeChat Pay's serial; a foreign one names
 * {@link WECHATPAY_SANDBOX_FOREIGN_MERCHANT}; a stale one is signed 6 minutes ago; a tampered reply
 * is the next reply about a trade or refund (not a certificate download), altered once.
 *
 * @example
 * ```ts
 * const forged = sandbox.hostile.forgeNotification(sandbox.pay('o1'));
 * await expect(provider.verifyNotification(forged)).rejects.toThrow(SignatureVerificationError);
 * ```
 */
export type WechatpaySandboxHostileHooks = SandboxHostileHooks & {
  /** The genuine notification without its `Wechatpay-Signature` header, every other header and the body as sent. */
  strippedNotification(genuine: NotificationInput): NotificationInput;
};

/**
 * Creates the hostile hooks.
 *
 * @example
 * ```ts
 * const hostile = createWechatpaySandboxHostile({ state, notifier, apiV3Key, tamperNextReply: routes.tamperNextReply });
 * ```
 */
export function createWechatpaySandboxHostile(context: {
  state: WechatpaySandboxState;
  notifier: WechatpaySandboxNotifier;
  apiV3Key: Buffer;
  tamperNextReply(kind: SandboxReplyTampering): void;
}): WechatpaySandboxHostileHooks {
  const { state, notifier, apiV3Key } = context;
  let attackerKey: KeyObject | undefined;

  /** The paid-looking notification of `orderId`, whatever its state (an attacker claims it paid). */
  const claimPaid = (resource: Json): Json => ({
    ...resource,
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    success_time: resource.success_time ?? formatWechatpayTime(state.now()),
  });

  return {
    forgeNotification(genuine) {
      const text =
        typeof genuine.body === 'string' ? genuine.body : Buffer.from(genuine.body as Uint8Array).toString('utf8');
      const envelope = JSON.parse(text) as Json & { resource: WechatpayEncryptedResource & { original_type?: string } };
      const resource = JSON.parse(decryptWechatpayResource(envelope.resource, apiV3Key)) as Json;
      const amount = { ...(resource.amount as Json | undefined) };
      const field = typeof amount.refund === 'number' ? 'refund' : 'total';
      if (typeof amount[field] !== 'number')
        throw new ValidationError('genuine', 'is not a WeChat Pay notification with an amount');
      amount[field] = (amount[field] as number) + 1;
      if (field === 'total' && typeof amount.payer_total === 'number') amount.payer_total = amount[field];
      const encrypted = encryptWechatpayResource(
        JSON.stringify({ ...resource, amount }),
        apiV3Key,
        envelope.resource.associated_data ?? '',
        envelope.resource.nonce,
      );
      const body = JSON.stringify({ ...envelope, resource: { ...envelope.resource, ...encrypted } });
      return { ...genuine, body };
    },
    strippedNotification(genuine) {
      const { 'wechatpay-signature': _signature, ...headers } = normalizeHeaders(genuine.headers);
      return { ...genuine, headers };
    },
    unsignedNotification(orderId) {
      attackerKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      return notifier.paid(state.requireTransaction(orderId), { privateKey: attackerKey }, claimPaid);
    },
    foreignNotification(orderId) {
      return notifier.paid(state.requireTransaction(orderId), {}, (resource) => ({
        ...claimPaid(resource),
        // Another merchant's, or in partner mode another service provider's.
        ...(resource.sp_mchid === undefined
          ? { mchid: WECHATPAY_SANDBOX_FOREIGN_MERCHANT.mchId, appid: WECHATPAY_SANDBOX_FOREIGN_MERCHANT.appId }
          : { sp_mchid: WECHATPAY_SANDBOX_FOREIGN_MERCHANT.mchId, sp_appid: WECHATPAY_SANDBOX_FOREIGN_MERCHANT.appId }),
      }));
    },
    staleNotification(orderId) {
      const timestamp = Math.floor(state.now().getTime() / 1000) - WECHATPAY_TIMESTAMP_TOLERANCE - 60;
      return notifier.paid(state.requireTransaction(orderId), { timestamp }, claimPaid);
    },
    tamperNextReply: context.tamperNextReply,
  };
}

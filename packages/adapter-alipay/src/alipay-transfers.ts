/**
 * Payouts (转账) on the gateway: `alipay.fund.trans.uni.transfer` (product `TRANS_ACCOUNT_NO_PWD`,
 * scene `DIRECT_TRANSFER`) to an Alipay user id, login id or open id, idempotent by `out_biz_no`
 * (the transfer's id), and `alipay.fund.trans.common.query`. Alipay takes fund transfers only from
 * apps in certificate mode: in public-key mode both throw `UnsupportedOperationError` before any
 * request is sent.
 *
 * @packageDocumentation
 */
import { formatYuan, UnsupportedOperationError, ValidationError } from '@hutong/core';
import { checkRefusal, type TransferRequest, type TransferStatusEvent } from '@hutong/core/provider-utils';
import type { AlipayContext } from './alipay-client.js';
import { alipayClientFor } from './alipay-merchant.js';
import { readAlipayTransferQueryReply, readAlipayTransferReply } from './alipay-movement-replies.js';

/** The payee identity types, by hutong's payee type. */
const IDENTITY_TYPES = {
  userId: 'ALIPAY_USER_ID',
  loginId: 'ALIPAY_LOGON_ID',
  openId: 'ALIPAY_OPEN_ID',
} as const;

const OUT_BIZ_NO = /^[A-Za-z0-9_]{1,64}$/;

/** Alipay-only transfer options (`transfer.providerOptions`). */
const OPTION_KEYS = new Set(['orderTitle']);

function requireCertificateMode(context: AlipayContext, operation: string): void {
  if (!context.config.appCertSn) {
    throw new UnsupportedOperationError(
      context.id,
      `${operation} in public-key mode: Alipay takes fund transfers only from apps in certificate mode ` +
        '(give appCert, alipayPublicCert and alipayRootCert)',
    );
  }
}

/**
 * The `biz_content` of a transfer: `out_biz_no`, the amount in yuan, the product and scene, the
 * payee (`identity`, `identity_type`, and `name` for a login id, where Alipay requires it), the
 * order title (`providerOptions.orderTitle`, default the remark) and the remark.
 *
 * @example
 * ```ts
 * const biz = alipayTransferBizContent(request);
 * ```
 */
export function alipayTransferBizContent({ transfer }: TransferRequest): Record<string, unknown> {
  if (!OUT_BIZ_NO.test(transfer.id)) throw new ValidationError('transferId', 'must be 1 to 64 letters, digits or _');
  for (const key of Object.keys(transfer.providerOptions)) {
    if (!OPTION_KEYS.has(key)) throw new ValidationError(`providerOptions.${key}`, 'is not an Alipay transfer option');
  }
  const identityType = IDENTITY_TYPES[transfer.payee.type as keyof typeof IDENTITY_TYPES];
  if (!identityType) {
    throw new ValidationError('payee.type', 'must be userId, loginId or openId for Alipay transfers');
  }
  if (identityType === 'ALIPAY_LOGON_ID' && !transfer.payee.name) {
    throw new ValidationError('payee.name', 'is required by Alipay for a transfer to a login id');
  }
  const orderTitle = transfer.providerOptions.orderTitle;
  if (orderTitle !== undefined && typeof orderTitle !== 'string') {
    throw new ValidationError('providerOptions.orderTitle', 'must be a string');
  }
  return {
    out_biz_no: transfer.id,
    trans_amount: formatYuan(transfer.amount),
    product_code: 'TRANS_ACCOUNT_NO_PWD',
    biz_scene: 'DIRECT_TRANSFER',
    order_title: orderTitle ?? transfer.remark,
    payee_info: {
      identity: transfer.payee.account,
      identity_type: identityType,
      ...(transfer.payee.name ? { name: transfer.payee.name } : {}),
    },
    remark: transfer.remark,
  };
}

async function queryTransfer(context: AlipayContext, request: TransferRequest) {
  const client = await alipayClientFor(context, request.merchant);
  const node = await client.call(
    'alipay.fund.trans.common.query',
    { out_biz_no: request.transfer.id, product_code: 'TRANS_ACCOUNT_NO_PWD', biz_scene: 'DIRECT_TRANSFER' },
    { idempotent: true },
  );
  return readAlipayTransferQueryReply(node, {
    provider: context.id,
    transferId: request.transfer.id,
    amount: request.transfer.amount,
  });
}

function strip({ reportedAmount: _reported, ...event }: TransferStatusEvent & { reportedAmount: boolean }) {
  return event;
}

/**
 * `alipay.fund.trans.uni.transfer`. The reply is bound to the transfer's `out_biz_no`; it carries no
 * amount, so a success is confirmed by `alipay.fund.trans.common.query`, which reports it, before
 * it counts (until then the transfer is `processing`). A refusal (`PAYER_BALANCE_NOT_ENOUGH`, ...)
 * is checked against the query first.
 *
 * @example
 * ```ts
 * const event = await transferAlipay(context, { transfer, notifyUrl: null });
 * ```
 */
export async function transferAlipay(context: AlipayContext, request: TransferRequest): Promise<TransferStatusEvent> {
  requireCertificateMode(context, 'alipay.fund.trans.uni.transfer');
  const biz = alipayTransferBizContent(request);
  const client = await alipayClientFor(context, request.merchant);
  let replied: TransferStatusEvent;
  try {
    // Idempotent by out_biz_no: Alipay pays an out_biz_no once (another body is PAYMENT_INFO_INCONSISTENCY).
    const node = await client.call('alipay.fund.trans.uni.transfer', biz, {
      idempotent: true,
      notifyUrl: request.notifyUrl,
    });
    replied = readAlipayTransferReply(node, {
      provider: context.id,
      transferId: request.transfer.id,
      amount: request.transfer.amount,
    });
  } catch (error) {
    return checkRefusal(error, {
      name: 'alipay.fund.trans.common.query',
      field: 'response.sub_code',
      run: async () => strip(await queryTransfer(context, request)),
    });
  }
  if (replied.status !== 'succeeded') return replied;
  try {
    const confirmed = await queryTransfer(context, request);
    if (confirmed.status === 'succeeded' && !confirmed.reportedAmount) return { ...replied, status: 'processing' };
    return strip(confirmed);
  } catch {
    return { ...replied, status: 'processing' };
  }
}

/**
 * `alipay.fund.trans.common.query` by `out_biz_no`; one Alipay has no record of
 * (`ORDER_NOT_EXIST`) throws `ProviderApiError` `not_found`.
 *
 * @example
 * ```ts
 * const event = await queryAlipayTransfer(context, { transfer, notifyUrl: null });
 * ```
 */
export async function queryAlipayTransfer(
  context: AlipayContext,
  request: TransferRequest,
): Promise<TransferStatusEvent> {
  requireCertificateMode(context, 'alipay.fund.trans.common.query');
  return strip(await queryTransfer(context, request));
}

/**
 * Money movement in the Alipay sandbox, as a test drives it: the payer's balance, holding new
 * settlements and transfers, and finishing a held one with the signed message Alipay posts
 * (`alipay.trade.order.settle.notify`, `alipay.fund.trans.order.changed`).
 *
 * @packageDocumentation
 */
import { formatYuan, type NotificationInput, ValidationError } from '@hutong/core';
import { signedMessage } from './alipay-sandbox-messages.js';
import { settlementNode, transferNode } from './alipay-sandbox-routes-isv.js';
import type { AlipaySandboxState } from './alipay-sandbox-state.js';

/**
 * Holds new settlements (`PROCESSING`) and transfers (`DEALING`), or lets them settle at once.
 *
 * @example
 * ```ts
 * holdAlipaySandboxMovement(state, { transfers: true });
 * ```
 */
export function holdAlipaySandboxMovement(
  state: AlipaySandboxState,
  hold: { settlements?: boolean | undefined; transfers?: boolean | undefined },
): void {
  if (hold.settlements !== undefined) state.hold.settlements = hold.settlements;
  if (hold.transfers !== undefined) state.hold.transfers = hold.transfers;
}

/**
 * Finishes a held settlement (each receiver succeeds, or fails when in `fail`) and returns the
 * signed `alipay.trade.order.settle.notify` message.
 *
 * @example
 * ```ts
 * const message = finishAlipaySandboxSettlement(state, order.id, 'split-1', { fail: ['2088...'] });
 * ```
 */
export function finishAlipaySandboxSettlement(
  state: AlipaySandboxState,
  orderId: string,
  splitId: string,
  finish: { fail?: readonly string[] | undefined } = {},
): NotificationInput {
  const trade = state.requireTrade(orderId);
  const key = `${trade.tradeNo} ${splitId}`;
  const settlement = state.settlements.get(key);
  if (!settlement)
    throw new ValidationError('splitId', `the Alipay sandbox has no settlement ${splitId} of ${orderId}`);
  for (const detail of settlement.details) {
    if (detail.state !== 'PROCESSING') {
      if (finish.fail?.includes(detail.transIn)) {
        throw new ValidationError(
          'fail',
          `${detail.transIn} is ${detail.state} in settlement ${splitId} at the Alipay sandbox: it cannot fail now`,
        );
      }
      continue;
    }
    if (finish.fail?.includes(detail.transIn)) {
      detail.state = 'FAIL';
      detail.errorCode = 'TXN_RESULT_ACCOUNT_STATUS_NOT_VALID';
      detail.errorDesc = '分账收款方账户状态异常';
    } else detail.state = 'SUCCESS';
  }
  settlement.operatedAt = state.now();
  const { settle_no, out_request_no, operation_dt, royalty_detail_list } = settlementNode(state, key);
  return signedMessage(
    state,
    'alipay.trade.order.settle.notify',
    { out_request_no, trade_no: trade.tradeNo, settle_no, operation_dt, royalty_detail_list },
    settlement.owner,
    settlement.notifyUrl ?? state.messageUrl,
  );
}

/**
 * Finishes a held transfer (`SUCCESS`, or `FAIL` with `fail` as the reason, its amount back to the
 * payer) and returns the signed `alipay.fund.trans.order.changed` message.
 *
 * @example
 * ```ts
 * const message = finishAlipaySandboxTransfer(state, 'transfer-1', { fail: 'PAYEE_NOT_EXIST' });
 * ```
 */
export function finishAlipaySandboxTransfer(
  state: AlipaySandboxState,
  transferId: string,
  finish: { fail?: string | undefined; authAppId?: string | undefined } = {},
): NotificationInput {
  const transfer = state.transfers.get(`${state.payerKey(finish.authAppId)} ${transferId}`);
  if (!transfer) throw new ValidationError('transferId', `the Alipay sandbox has no transfer ${transferId}`);
  if (transfer.status === 'DEALING') {
    if (finish.fail !== undefined) {
      transfer.status = 'FAIL';
      transfer.failReason = finish.fail;
      const key = state.payerKey(transfer.owner);
      state.balances.set(key, (state.balances.get(key) ?? state.defaultBalance) + transfer.amount);
    } else {
      transfer.status = 'SUCCESS';
      transfer.paidAt = state.now();
    }
  } else if (finish.fail !== undefined) {
    throw new ValidationError(
      'transferId',
      `${transferId} is ${transfer.status} at the Alipay sandbox: it cannot fail now`,
    );
  }
  const node = transferNode(transfer);
  return signedMessage(
    state,
    'alipay.fund.trans.order.changed',
    {
      ...node,
      // The message reports the amount whatever the state (a failed transfer's too).
      trans_amount: formatYuan(transfer.amount),
      biz_scene: 'DIRECT_TRANSFER',
      product_code: 'TRANS_ACCOUNT_NO_PWD',
      origin_interface: 'alipay.fund.trans.uni.transfer',
    },
    transfer.owner,
    transfer.notifyUrl ?? state.messageUrl,
  );
}

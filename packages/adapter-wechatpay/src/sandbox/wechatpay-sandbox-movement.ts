/**
 * Money moving out in the WeChat Pay sandbox: profit sharing (receivers, split orders settled by
 * the test, returns, unfreeze, the amount left to split, the `PROFITSHARING.*` notifications) and
 * merchant transfers (2025 API: bills the payee confirms or never confirms, a balance that can run
 * out (`NOT_ENOUGH`), a bill that fails later, the `MCHTRANSFER.BILL.FINISHED` notification).
 * Encrypted real names are read as WeChat Pay reads them: with the platform private key that
 * `Wechatpay-Serial` names; another serial or a name that does not decrypt is refused.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { certificateSerial, decryptWechatpaySensitive, formatWechatpayTime } from '@hutong/adapter-wechatpay/protocol';
import { type NotificationInput, ValidationError } from '@hutong/core';
import type { WechatpaySandboxKeys } from './wechatpay-sandbox-keys.js';
import type { WechatpaySandboxNotifier } from './wechatpay-sandbox-notifications.js';
import {
  errorReply,
  type Json,
  type SandboxReply,
  type WechatpaySandboxState,
  type WechatpaySandboxTransaction,
} from './wechatpay-sandbox-state.js';

/**
 * A split order (分账单) as the sandbox keeps it.
 *
 * @example
 * ```ts
 * sandbox.splitOrder('split0001')?.state; // 'PROCESSING' until sandbox.settleSplit
 * ```
 */
export interface WechatpaySandboxSplit {
  outOrderNo: string;
  orderId: string;
  transaction: WechatpaySandboxTransaction;
  state: 'PROCESSING' | 'FINISHED';
  unfreezeUnsplit: boolean;
  receivers: {
    type: string;
    account: string;
    amount: number;
    description: string;
    result: 'PENDING' | 'SUCCESS' | 'CLOSED';
    failReason?: string | undefined;
    /** The decrypted name, when one was sent. */
    name?: string | undefined;
  }[];
  returns: Map<
    string,
    {
      returnId: string;
      returnMchId: string;
      amount: number;
      description: string;
      result: 'PROCESSING' | 'SUCCESS' | 'FAILED';
    }
  >;
}

/**
 * A merchant transfer bill as the sandbox keeps it.
 *
 * @example
 * ```ts
 * sandbox.transferBill('payout0001')?.state; // 'WAIT_USER_CONFIRM' until sandbox.confirmTransfer
 * ```
 */
export interface WechatpaySandboxTransfer {
  outBillNo: string;
  billNo: string;
  appId: string;
  openid: string;
  amount: number;
  remark: string;
  state: 'WAIT_USER_CONFIRM' | 'TRANSFERING' | 'SUCCESS' | 'FAIL' | 'CANCELLED';
  packageInfo: string;
  failReason?: string | undefined;
  notifyUrl: string | undefined;
  /** The decrypted `user_name`, when one was sent. */
  userName?: string | undefined;
  /** The request's parameters: the same `out_bill_no` with others is refused. */
  parameters: string;
  createTime: Date;
}

/**
 * The sandbox's money movement: its routes and the test's events.
 *
 * @example
 * ```ts
 * const movement = createWechatpaySandboxMovement({ state, keys, notifier, addressed });
 * movement.route('GET', url, {}, headers);
 * ```
 */
export interface WechatpaySandboxMovement {
  /** Answers a `/v3/profitsharing/*` or transfer-bills request; `undefined` when the request is not one. */
  route(method: string, url: URL, body: Json, headers: Headers): SandboxReply | undefined;
  readonly splits: Map<string, WechatpaySandboxSplit>;
  readonly transfers: Map<string, WechatpaySandboxTransfer>;
  /** The merchant's balance for transfers, in fen. */
  balance: number;
  settleSplit(outOrderNo: string, options?: { closed?: readonly string[] | undefined }): NotificationInput[];
  confirmTransfer(outBillNo: string): NotificationInput;
  failTransfer(outBillNo: string, reason?: string): NotificationInput;
  expireTransfer(outBillNo: string): NotificationInput;
  decryptSensitive(ciphertext: string): string;
}

const key = (sub: unknown, id: string) => `${typeof sub === 'string' ? sub : ''}|${id}`;
const isAmount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

/**
 * Creates the sandbox's money movement.
 *
 * @example
 * ```ts
 * const movement = createWechatpaySandboxMovement({ state, keys, notifier, addressed: outbox.addressed });
 * ```
 */
export function createWechatpaySandboxMovement(context: {
  state: WechatpaySandboxState;
  keys: WechatpaySandboxKeys;
  notifier: WechatpaySandboxNotifier;
  addressed(notification: NotificationInput, url: string | undefined): NotificationInput;
}): WechatpaySandboxMovement {
  const { state, keys, notifier, addressed } = context;
  const receivers = new Map<string, { type: string; account: string }>();
  const splits = new Map<string, WechatpaySandboxSplit>();
  const transfers = new Map<string, WechatpaySandboxTransfer>();
  /** What was unfrozen to the merchant, by transaction id (nothing more can be split). */
  const unfrozen = new Set<string>();
  let sequence = 0;

  /** The platform private key `Wechatpay-Serial` names, or `undefined` for an unknown serial. */
  function privateKeyFor(serial: string | null) {
    if (serial === null) return undefined;
    if (serial === keys.publicKeyId) return keys.platform.privateKey;
    return keys.identities().find((identity) => certificateSerial(identity.certificate) === serial.toUpperCase())
      ?.privateKey;
  }

  /** An encrypted field read as WeChat Pay reads it; a reply when it cannot be. */
  function readSensitive(ciphertext: unknown, headers: Headers): string | SandboxReply {
    const privateKey = privateKeyFor(headers.get('wechatpay-serial'));
    if (!privateKey) return errorReply(400, 'PARAM_ERROR', 'Wechatpay-Serial 平台证书序列号或公钥ID错误');
    try {
      return decryptWechatpaySensitive(String(ciphertext), privateKey);
    } catch {
      return errorReply(400, 'PARAM_ERROR', '敏感信息解密失败');
    }
  }

  const subOk = (sub: unknown) => sub === undefined || state.subMerchants.has(String(sub));

  /** What is left to split of a transaction: paid, less refunds and splits not closed. */
  function unsplit(t: WechatpaySandboxTransaction): number {
    if (unfrozen.has(t.transactionId)) return 0;
    let split = 0;
    for (const order of splits.values())
      if (order.transaction === t)
        for (const receiver of order.receivers) if (receiver.result !== 'CLOSED') split += receiver.amount;
    return Math.max(0, t.amount - state.committedRefunds(t) - split);
  }

  function splitJson(order: WechatpaySandboxSplit): Json {
    return {
      ...(order.transaction.subMchId ? { sub_mchid: order.transaction.subMchId } : {}),
      transaction_id: order.transaction.transactionId,
      out_order_no: order.outOrderNo,
      order_id: order.orderId,
      state: order.state,
      receivers: order.receivers.map((r) => ({
        amount: r.amount,
        description: r.description,
        type: r.type,
        account: r.account,
        result: r.result,
        ...(r.failReason ? { fail_reason: r.failReason } : {}),
        detail_id: `3600000${order.orderId.slice(-10)}${r.account.slice(-4)}`,
        create_time: formatWechatpayTime(state.now()),
        finish_time: formatWechatpayTime(state.now()),
      })),
    };
  }

  function transactionById(id: unknown, sub: unknown): WechatpaySandboxTransaction | undefined {
    for (const t of state.transactions.values())
      if (t.transactionId === id && t.subMchId === (sub as string | undefined)) return t;
    return undefined;
  }

  function createSplit(body: Json, headers: Headers, unfreeze: boolean): SandboxReply {
    if (!subOk(body.sub_mchid)) return errorReply(403, 'NO_AUTH', '受理关系不存在');
    const t = transactionById(body.transaction_id, body.sub_mchid);
    if (!t) return errorReply(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    const outOrderNo = String(body.out_order_no ?? '');
    if (!outOrderNo) return errorReply(400, 'PARAM_ERROR', '缺少out_order_no');
    const existing = splits.get(key(body.sub_mchid, outOrderNo));
    if (existing) return { status: 200, body: splitJson(existing) };
    if (t.tradeState !== 'SUCCESS' && t.tradeState !== 'REFUND')
      return errorReply(400, 'INVALID_REQUEST', '订单未支付');
    if (!t.profitSharing) return errorReply(403, 'NO_AUTH', '该笔订单不支持分账（下单时未指定profit_sharing）');
    const order: WechatpaySandboxSplit = {
      outOrderNo,
      orderId: `3008450740201411110007820472${String(++sequence).padStart(4, '0')}`.slice(-32),
      transaction: t,
      state: 'PROCESSING',
      unfreezeUnsplit: unfreeze || body.unfreeze_unsplit === true,
      receivers: [],
      returns: new Map(),
    };
    if (unfreeze) {
      order.state = 'FINISHED';
      order.receivers.push({
        type: 'MERCHANT_ID',
        account: t.subMchId ?? state.mchId,
        amount: unsplit(t),
        description: '解冻给分账方',
        result: 'SUCCESS',
      });
      unfrozen.add(t.transactionId);
      splits.set(key(body.sub_mchid, outOrderNo), order);
      return { status: 200, body: splitJson(order) };
    }
    if (unfrozen.has(t.transactionId)) return errorReply(400, 'INVALID_REQUEST', '订单已解冻，不能再分账');
    const asked = Array.isArray(body.receivers) ? (body.receivers as Json[]) : [];
    if (asked.length === 0) return errorReply(400, 'PARAM_ERROR', '缺少receivers');
    let total = 0;
    for (const receiver of asked) {
      if (!isAmount(receiver.amount) || typeof receiver.description !== 'string')
        return errorReply(400, 'PARAM_ERROR', '参数错误');
      if (!receivers.has(key(body.sub_mchid, `${String(receiver.type)}|${String(receiver.account)}`)))
        return errorReply(400, 'RECEIVER_INVALID', '分账接收方未添加或已删除');
      let name: string | undefined;
      if (receiver.name !== undefined) {
        const read = readSensitive(receiver.name, headers);
        if (typeof read !== 'string') return read;
        name = read;
      }
      total += receiver.amount;
      order.receivers.push({
        type: String(receiver.type),
        account: String(receiver.account),
        amount: receiver.amount,
        description: receiver.description,
        result: 'PENDING',
        name,
      });
    }
    if (total > unsplit(t)) return errorReply(400, 'NOT_ENOUGH', '分账金额超出最大可分账金额');
    splits.set(key(body.sub_mchid, outOrderNo), order);
    return { status: 200, body: splitJson(order) };
  }

  function returnJson(order: WechatpaySandboxSplit, outReturnNo: string): Json {
    const item = order.returns.get(outReturnNo) as NonNullable<ReturnType<typeof order.returns.get>>;
    return {
      ...(order.transaction.subMchId ? { sub_mchid: order.transaction.subMchId } : {}),
      order_id: order.orderId,
      out_order_no: order.outOrderNo,
      out_return_no: outReturnNo,
      return_id: item.returnId,
      return_mchid: item.returnMchId,
      amount: item.amount,
      description: item.description,
      result: item.result,
      create_time: formatWechatpayTime(state.now()),
      finish_time: formatWechatpayTime(state.now()),
    };
  }

  function createReturn(body: Json): SandboxReply {
    if (!subOk(body.sub_mchid)) return errorReply(403, 'NO_AUTH', '受理关系不存在');
    const order = splits.get(key(body.sub_mchid, String(body.out_order_no ?? '')));
    if (!order) return errorReply(404, 'RESOURCE_NOT_EXISTS', '分账单不存在');
    const outReturnNo = String(body.out_return_no ?? '');
    if (order.returns.has(outReturnNo)) return { status: 200, body: returnJson(order, outReturnNo) };
    const receiver = order.receivers.find((r) => r.type === 'MERCHANT_ID' && r.account === body.return_mchid);
    if (receiver?.result !== 'SUCCESS') return errorReply(400, 'INVALID_REQUEST', '回退方未收到该分账');
    if (!isAmount(body.amount) || typeof body.description !== 'string')
      return errorReply(400, 'PARAM_ERROR', '参数错误');
    let returned = 0;
    for (const item of order.returns.values())
      if (item.returnMchId === receiver.account && item.result !== 'FAILED') returned += item.amount;
    if (returned + body.amount > receiver.amount) return errorReply(400, 'NOT_ENOUGH', '回退金额超出可回退金额');
    order.returns.set(outReturnNo, {
      returnId: `3008450740201411110007820472${String(++sequence).padStart(4, '0')}`.slice(-32),
      returnMchId: receiver.account,
      amount: body.amount,
      description: body.description,
      result: 'SUCCESS',
    });
    return { status: 200, body: returnJson(order, outReturnNo) };
  }

  function receiverReply(method: 'add' | 'delete', body: Json, headers: Headers): SandboxReply {
    if (!subOk(body.sub_mchid)) return errorReply(403, 'NO_AUTH', '受理关系不存在');
    const sub = body.sub_mchid === undefined ? undefined : state.subMerchants.get(String(body.sub_mchid));
    if (!state.appIds.has(String(body.appid))) return errorReply(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
    if (body.sub_appid !== undefined && body.sub_appid !== sub?.subAppId)
      return errorReply(400, 'APPID_MCHID_NOT_MATCH', 'sub_appid和sub_mchid不匹配');
    const type = String(body.type ?? '');
    if (!['MERCHANT_ID', 'PERSONAL_OPENID', 'PERSONAL_SUB_OPENID'].includes(type) || typeof body.account !== 'string')
      return errorReply(400, 'PARAM_ERROR', '参数错误');
    const id = key(body.sub_mchid, `${type}|${body.account}`);
    const party = {
      ...(body.sub_mchid !== undefined ? { sub_mchid: body.sub_mchid } : {}),
      type,
      account: body.account,
    };
    if (method === 'delete') {
      receivers.delete(id);
      return { status: 200, body: party };
    }
    if (type === 'MERCHANT_ID' && body.name === undefined) return errorReply(400, 'PARAM_ERROR', '缺少name');
    if (body.name !== undefined) {
      const read = readSensitive(body.name, headers);
      if (typeof read !== 'string') return read;
    }
    receivers.set(id, { type, account: body.account });
    return {
      status: 200,
      body: {
        ...party,
        relation_type: body.relation_type,
        ...(body.custom_relation ? { custom_relation: body.custom_relation } : {}),
      },
    };
  }

  function transferJson(bill: WechatpaySandboxTransfer, full: boolean): Json {
    const json: Json = {
      ...(full ? { mch_id: state.mchId } : {}),
      out_bill_no: bill.outBillNo,
      transfer_bill_no: bill.billNo,
      ...(full ? { appid: bill.appId } : { create_time: formatWechatpayTime(bill.createTime) }),
      state: bill.state,
    };
    if (full) {
      Object.assign(json, {
        transfer_amount: bill.amount,
        transfer_remark: bill.remark,
        openid: bill.openid,
        create_time: formatWechatpayTime(bill.createTime),
        update_time: formatWechatpayTime(state.now()),
      });
    }
    if (!full && bill.state === 'WAIT_USER_CONFIRM') json.package_info = bill.packageInfo;
    if (bill.failReason) json.fail_reason = bill.failReason;
    return json;
  }

  function createTransfer(body: Json, headers: Headers): SandboxReply {
    const outBillNo = String(body.out_bill_no ?? '');
    if (!state.appIds.has(String(body.appid))) return errorReply(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
    if (
      !/^[0-9A-Za-z]{5,32}$/.test(outBillNo) ||
      !isAmount(body.transfer_amount) ||
      typeof body.openid !== 'string' ||
      typeof body.transfer_scene_id !== 'string' ||
      typeof body.transfer_remark !== 'string' ||
      !Array.isArray(body.transfer_scene_report_infos) ||
      body.transfer_scene_report_infos.length === 0
    )
      return errorReply(400, 'PARAM_ERROR', '参数错误');
    const parameters = JSON.stringify({ ...body, user_name: undefined });
    const existing = transfers.get(outBillNo);
    if (existing) {
      if (existing.parameters !== parameters) return errorReply(400, 'INVALID_REQUEST', '商户单号重复，参数不一致');
      return { status: 200, body: transferJson(existing, false) };
    }
    let userName: string | undefined;
    if (body.user_name !== undefined) {
      const read = readSensitive(body.user_name, headers);
      if (typeof read !== 'string') return read;
      userName = read;
    } else if (body.transfer_amount >= 200_000)
      return errorReply(400, 'PARAM_ERROR', '转账金额>=2000元时，user_name必填');
    if (body.transfer_amount > movement.balance) return errorReply(403, 'NOT_ENOUGH', '商户运营账户资金不足');
    movement.balance -= body.transfer_amount;
    const bill: WechatpaySandboxTransfer = {
      outBillNo,
      billNo: `1330000071100999991182020050700019480${String(++sequence).padStart(3, '0')}`.slice(-40),
      appId: String(body.appid),
      openid: body.openid,
      amount: body.transfer_amount,
      remark: body.transfer_remark,
      state: 'WAIT_USER_CONFIRM',
      packageInfo: `ABBQO+oYAAABAAAAAAAk+yPZGDEAAAAAAAAAL${randomBytes(12).toString('base64')}`,
      notifyUrl: body.notify_url as string | undefined,
      userName,
      parameters,
      createTime: state.now(),
    };
    transfers.set(outBillNo, bill);
    return { status: 200, body: transferJson(bill, false) };
  }

  function finished(bill: WechatpaySandboxTransfer): NotificationInput {
    const resource: Json = {
      out_bill_no: bill.outBillNo,
      transfer_bill_no: bill.billNo,
      state: bill.state,
      mch_id: state.mchId,
      transfer_amount: bill.amount,
      openid: bill.openid,
      ...(bill.failReason ? { fail_reason: bill.failReason } : {}),
      create_time: formatWechatpayTime(bill.createTime),
      update_time: formatWechatpayTime(state.now()),
    };
    return addressed(
      notifier.notification('MCHTRANSFER.BILL.FINISHED', '商家转账单据终态通知', 'mch_payment', resource),
      bill.notifyUrl,
    );
  }

  function requireBill(
    outBillNo: string,
    states: readonly WechatpaySandboxTransfer['state'][],
  ): WechatpaySandboxTransfer {
    const bill = transfers.get(outBillNo);
    if (!bill) throw new ValidationError('outBillNo', `the WeChat Pay sandbox has no transfer ${outBillNo}`);
    if (!states.includes(bill.state)) throw new ValidationError('outBillNo', `${outBillNo} is ${bill.state}`);
    return bill;
  }

  function route(method: string, url: URL, body: Json, headers: Headers): SandboxReply | undefined {
    const p = url.pathname;
    const q = url.searchParams;
    if (method === 'POST' && p === '/v3/profitsharing/receivers/add') return receiverReply('add', body, headers);
    if (method === 'POST' && p === '/v3/profitsharing/receivers/delete') return receiverReply('delete', body, headers);
    if (method === 'POST' && p === '/v3/profitsharing/orders') return createSplit(body, headers, false);
    if (method === 'POST' && p === '/v3/profitsharing/orders/unfreeze') return createSplit(body, headers, true);
    if (method === 'POST' && p === '/v3/profitsharing/return-orders') return createReturn(body);
    const order = /^\/v3\/profitsharing\/orders\/([^/]+)$/.exec(p);
    if (method === 'GET' && order) {
      const sub = q.get('sub_mchid') ?? undefined;
      if (!subOk(sub)) return errorReply(403, 'NO_AUTH', '受理关系不存在');
      const found = splits.get(key(sub, state.alias(decodeURIComponent(order[1] as string))));
      if (!found || found.transaction.transactionId !== q.get('transaction_id'))
        return errorReply(404, 'RESOURCE_NOT_EXISTS', '记录不存在');
      return { status: 200, body: splitJson(found) };
    }
    const returned = /^\/v3\/profitsharing\/return-orders\/([^/]+)$/.exec(p);
    if (method === 'GET' && returned) {
      const sub = q.get('sub_mchid') ?? undefined;
      const found = splits.get(key(sub, q.get('out_order_no') ?? ''));
      const outReturnNo = decodeURIComponent(returned[1] as string);
      if (!found?.returns.has(outReturnNo)) return errorReply(404, 'RESOURCE_NOT_EXISTS', '记录不存在');
      return { status: 200, body: returnJson(found, outReturnNo) };
    }
    const amounts = /^\/v3\/profitsharing\/transactions\/([^/]+)\/amounts$/.exec(p);
    if (method === 'GET' && amounts) {
      const id = decodeURIComponent(amounts[1] as string);
      const t = [...state.transactions.values()].find((item) => item.transactionId === id);
      if (!t) return errorReply(404, 'RESOURCE_NOT_EXISTS', '记录不存在');
      return { status: 200, body: { transaction_id: id, unsplit_amount: unsplit(t) } };
    }
    if (method === 'POST' && p === '/v3/fund-app/mch-transfer/transfer-bills') return createTransfer(body, headers);
    const bill = /^\/v3\/fund-app\/mch-transfer\/transfer-bills\/out-bill-no\/([^/]+)(\/cancel)?$/.exec(p);
    if (!bill) return undefined;
    const found = transfers.get(state.alias(decodeURIComponent(bill[1] as string)));
    if (!found) return errorReply(404, 'NOT_FOUND', '记录不存在');
    if (method === 'GET' && !bill[2]) return { status: 200, body: transferJson(found, true) };
    if (method === 'POST' && bill[2]) {
      if (found.state !== 'WAIT_USER_CONFIRM' && found.state !== 'CANCELLED')
        return errorReply(400, 'INVALID_REQUEST', '当前状态不支持撤销');
      if (found.state === 'WAIT_USER_CONFIRM') movement.balance += found.amount;
      found.state = 'CANCELLED';
      return {
        status: 200,
        body: {
          out_bill_no: found.outBillNo,
          transfer_bill_no: found.billNo,
          state: 'CANCELLED',
          update_time: formatWechatpayTime(state.now()),
        },
      };
    }
    return undefined;
  }

  const movement: WechatpaySandboxMovement = {
    route,
    splits,
    transfers,
    balance: 1_000_000_000,
    settleSplit(outOrderNo, options = {}) {
      const order = [...splits.values()].find((item) => item.outOrderNo === outOrderNo);
      if (!order) throw new ValidationError('splitId', `the WeChat Pay sandbox has no split ${outOrderNo}`);
      if (order.state !== 'PROCESSING') throw new ValidationError('splitId', `${outOrderNo} is ${order.state}`);
      order.state = 'FINISHED';
      const t = order.transaction;
      const notifications: NotificationInput[] = [];
      for (const receiver of order.receivers) {
        const closed = options.closed?.includes(receiver.account) ?? false;
        receiver.result = closed ? 'CLOSED' : 'SUCCESS';
        if (closed) receiver.failReason = 'ACCOUNT_ABNORMAL';
        const resource: Json = {
          ...(t.subMchId ? { sp_mchid: state.mchId, sub_mchid: t.subMchId } : { mchid: state.mchId }),
          transaction_id: t.transactionId,
          order_id: order.orderId,
          out_order_no: order.outOrderNo,
          receiver: {
            type: receiver.type,
            account: receiver.account,
            amount: receiver.amount,
            description: receiver.description,
          },
          success_time: formatWechatpayTime(state.now()),
        };
        const type = closed ? 'PROFITSHARING.CLOSED' : 'PROFITSHARING.SUCCESS';
        notifications.push(addressed(notifier.notification(type, '分账', 'profitsharing', resource), undefined));
      }
      if (order.unfreezeUnsplit) unfrozen.add(t.transactionId);
      return notifications;
    },
    confirmTransfer(outBillNo) {
      const bill = requireBill(outBillNo, ['WAIT_USER_CONFIRM']);
      bill.state = 'SUCCESS';
      return finished(bill);
    },
    failTransfer(outBillNo, reason = 'PAYEE_ACCOUNT_ABNORMAL') {
      const bill = requireBill(outBillNo, ['WAIT_USER_CONFIRM', 'TRANSFERING']);
      bill.state = 'FAIL';
      bill.failReason = reason;
      movement.balance += bill.amount;
      return finished(bill);
    },
    expireTransfer(outBillNo) {
      const bill = requireBill(outBillNo, ['WAIT_USER_CONFIRM']);
      bill.state = 'CANCELLED';
      bill.failReason = 'TRANSFER_TIMEOUT';
      movement.balance += bill.amount;
      return finished(bill);
    },
    decryptSensitive(ciphertext) {
      return decryptWechatpaySensitive(ciphertext, keys.platform.privateKey);
    },
  };
  return movement;
}

/**
 * The UnionPay sandbox's gateway endpoints: `frontTransReq.do` (the cashier page),
 * `backTransReq.do` (QR consumes, refunds, undos), `appTransReq.do` (the `tn`), `queryTrans.do`,
 * and the cashier's own `sandbox/pay`. Every request's signature is checked against the merchant's
 * certificate and `certId`; replies are signed raw `k=v&...`.
 *
 * @packageDocumentation
 */
import { decodeUnionpayForm, verifyUnionpayFields } from '@hutong/adapter-unionpay/protocol';
import { type NotificationInput, renderAutoSubmitForm } from '@hutong/core';
import { escapeHtml } from '@hutong/core/provider-utils';
import type { Fields, UnionpaySandboxState, UnionpaySandboxTransaction } from './unionpay-sandbox-state.js';
import { unionpaySandboxStatement } from './unionpay-sandbox-statements.js';

/** A reply of the sandbox's HTTP surface; `after` runs before it is sent (the back notification). */
export interface UnionpaySandboxReply {
  status: number;
  type: string;
  text: string;
  after?: (() => Promise<void>) | undefined;
}

/** What the routes need of the sandbox besides its state. */
export interface UnionpaySandboxRouteHooks {
  /** The buyer pays (the cashier's button): the signed back notification. */
  pay(orderId: string): NotificationInput;
  /** The signed post the buyer's browser makes to `frontUrl`. */
  frontReturn(orderId: string): NotificationInput;
  deliver(notification: NotificationInput, url?: string): Promise<Response>;
  /** Alters a synchronous reply before it is signed, or leaves it. */
  rewriteReply(reply: Fields, request: Fields): Fields;
  /** Alters a signed raw reply (a broken signature), or leaves it. */
  alterSignedReply(text: string): string;
}

/**
 * The common fields of a reply to `request`: the request's access type and merchant when it is
 * one the sandbox serves (a platform's sub-merchant is echoed as `subMerId`), else the sandbox's.
 */
function common(state: UnionpaySandboxState, request: Fields): Fields {
  const accessType = request.accessType === '1' || request.accessType === '2' ? request.accessType : '0';
  const fields: Fields = {
    version: '5.1.0',
    encoding: request.encoding ?? 'UTF-8',
    signMethod: '01',
    accessType,
    merId: accessType === '1' && request.merId ? request.merId : state.merId,
    txnType: request.txnType ?? '',
    txnSubType: request.txnSubType ?? '',
    bizType: request.bizType ?? '',
  };
  if (request.orderId !== undefined) fields.orderId = request.orderId;
  if (request.txnTime !== undefined) fields.txnTime = request.txnTime;
  if (accessType === '2' && request.subMerId) fields.subMerId = request.subMerId;
  return fields;
}

function refused(state: UnionpaySandboxState, request: Fields, code: string, message: string): Fields {
  return { ...common(state, request), respCode: code, respMsg: message };
}

const SUCCESS = { respCode: '00', respMsg: '成功[0000000]' } as const;

/**
 * The refusal a request earns (wrong merchant, certificate, signature or order id), or `undefined`.
 *
 * @example
 * ```ts
 * const problem = checkUnionpaySandboxRequest(state, request);
 * ```
 */
export function checkUnionpaySandboxRequest(state: UnionpaySandboxState, request: Fields): Fields | undefined {
  const accessType = request.accessType ?? '';
  if (accessType !== '1' && request.merId !== state.merId) return refused(state, request, '31', '商户状态不正确');
  if (request.certId !== state.merchantCertId) return refused(state, request, '11', '验证签名失败[certId]');
  if (!verifyUnionpayFields(request, state.merchant.publicKey)) return refused(state, request, '11', '验证签名失败');
  const file = request.txnType === '76';
  if (!file && !/^[0-9A-Za-z]{8,40}$/.test(request.orderId ?? ''))
    return refused(state, request, '10', '报文格式错误[orderId]');
  return checkAccess(state, request);
}

/** What each access type requires of a message, by its kind (consume, reversal, query, file). */
function kindOf(request: Fields): 'consume' | 'reversal' | 'query' | 'file' {
  if (request.txnType === '76') return 'file';
  if (request.txnType === '00') return 'query';
  return request.txnType === '04' || request.txnType === '31' ? 'reversal' : 'consume';
}

/**
 * The access checks ACP makes: the access type must be one UnionPay configured for the merchant;
 * a platform's consumes and reversals name a registered `subMerId` with its `subMerName` and
 * `subMerAbbr`; an acquirer's messages carry its `acqInsCode` and a merchant it acquires, whose
 * consumes carry `merCatCode`, `merName` and `merAbbr`.
 */
function checkAccess(state: UnionpaySandboxState, request: Fields): Fields | undefined {
  const kind = kindOf(request);
  switch (request.accessType) {
    case '0':
      if (request.subMerId || request.acqInsCode)
        return refused(state, request, '10', '报文格式错误[accessType与商户信息不符]');
      return undefined;
    case '2': {
      if (state.access !== 'platform') return refused(state, request, '30', '交易未通过[accessType]');
      if (kind === 'query' || kind === 'file') {
        if (request.subMerId && !state.subMerchants.has(request.subMerId))
          return refused(state, request, '31', '二级商户状态不正确');
        return undefined;
      }
      for (const field of ['subMerId', 'subMerName', 'subMerAbbr'])
        if (!request[field]) return refused(state, request, '10', `报文格式错误[${field}]`);
      if (!state.subMerchants.has(request.subMerId as string))
        return refused(state, request, '31', '二级商户状态不正确');
      return undefined;
    }
    case '1': {
      if (state.access !== 'acquirer') return refused(state, request, '30', '交易未通过[accessType]');
      if (!state.subMerchants.has(request.merId ?? '')) return refused(state, request, '31', '商户状态不正确');
      if (kind === 'file') return undefined;
      if (request.acqInsCode !== state.acqInsCode) return refused(state, request, '10', '报文格式错误[acqInsCode]');
      if (kind === 'consume')
        for (const field of ['merCatCode', 'merName', 'merAbbr'])
          if (!request[field]) return refused(state, request, '10', `报文格式错误[${field}]`);
      if (kind === 'query' && !request.merName) return refused(state, request, '10', '报文格式错误[merName]');
      return undefined;
    }
    default:
      return refused(state, request, '10', '报文格式错误[accessType]');
  }
}

/**
 * Records a transaction. `resubmit`: the buyer's browser posts the same front consume again
 * (same orderId, txnTime and amount, still unpaid): the cashier opens again on the same
 * transaction. Anything else with a known orderId is a duplicate (12).
 *
 * @example
 * ```ts
 * const made = createUnionpaySandboxTransaction(state, request, true);
 * ```
 */
export function createUnionpaySandboxTransaction(
  state: UnionpaySandboxState,
  request: Fields,
  resubmit = false,
): { transaction: UnionpaySandboxTransaction } | { refusal: Fields } {
  const existing = state.transactions.get(request.orderId as string);
  if (
    resubmit &&
    existing?.txnType === '01' &&
    existing.state === 'created' &&
    existing.txnTime === request.txnTime &&
    String(existing.amount) === request.txnAmt
  )
    return { transaction: existing };
  if (existing) return { refusal: refused(state, request, '12', '重复交易') };
  const amount = Number(request.txnAmt);
  if (!/^\d+$/.test(request.txnAmt ?? '') || amount <= 0)
    return { refusal: refused(state, request, '10', '报文格式错误[txnAmt]') };
  const transaction: UnionpaySandboxTransaction = {
    orderId: request.orderId as string,
    txnType: request.txnType as '01',
    txnSubType: request.txnSubType ?? '',
    bizType: request.bizType ?? '',
    txnTime: request.txnTime ?? '',
    amount,
    queryId: state.queryId(),
    state: 'created',
    backUrl: request.backUrl,
    frontUrl: request.frontUrl,
    reqReserved: request.reqReserved,
    origQryId: request.origQryId,
    accessType: request.accessType ?? '0',
    merId: request.merId ?? state.merId,
    subMerId: request.accessType === '2' ? request.subMerId : undefined,
    channelType: request.channelType,
  };
  state.transactions.set(transaction.orderId, transaction);
  return { transaction };
}

/** `backTransReq.do`: a QR consume (07 merchant-presented, 06 buyer-presented), a refund or an undo. */
function back(state: UnionpaySandboxState, request: Fields): Fields {
  if (request.txnType === '01') {
    const made = createUnionpaySandboxTransaction(state, request);
    if ('refusal' in made) return made.refusal;
    const t = made.transaction;
    if (request.txnSubType === '07')
      return { ...common(state, request), ...SUCCESS, qrCode: `https://qr.95516.com/00010000/${t.queryId}` };
    // Buyer-presented QR (06): accepted; the buyer's app pays at once in the sandbox.
    if (request.txnSubType === '06') {
      t.state = 'succeeded';
      return { ...common(state, request), ...SUCCESS, queryId: t.queryId };
    }
    return refused(state, request, '10', '报文格式错误[txnSubType]');
  }
  if (request.txnType === '04' || request.txnType === '31') {
    // The consume reversed must be the same merchant's (and the same sub-merchant's).
    const original = [...state.transactions.values()].find(
      (t) =>
        t.txnType === '01' &&
        t.queryId === request.origQryId &&
        t.merId === request.merId &&
        t.subMerId === (request.accessType === '2' ? request.subMerId : undefined),
    );
    if (original?.state !== 'succeeded') return refused(state, request, '35', '原交易不存在或状态不正确');
    const amount = Number(request.txnAmt);
    if (request.txnType === '31' && amount !== original.amount)
      return refused(state, request, '36', '与原交易信息不符');
    if (state.reversed(original.queryId) + amount > original.amount)
      return refused(state, request, '36', '退货金额超限');
    const made = createUnionpaySandboxTransaction(state, request);
    if ('refusal' in made) return made.refusal;
    return { ...common(state, request), ...SUCCESS, queryId: made.transaction.queryId, origQryId: original.queryId };
  }
  return refused(state, request, '10', '报文格式错误[txnType]');
}

/** The `origRespCode` a query reports for each state of a found transaction. */
const ORIG_RESP_CODE = {
  succeeded: '00',
  failed: '01',
  created: '05',
  expired: '05',
  closed: '42',
} as const satisfies Record<UnionpaySandboxTransaction['state'], string>;

/** `queryTrans.do`: a consume not yet paid (or expired) is not found (34), as at UnionPay. */
function query(state: UnionpaySandboxState, request: Fields): Fields {
  const t = state.transactions.get(request.orderId ?? '');
  if (
    !t ||
    t.txnTime !== request.txnTime ||
    t.merId !== request.merId ||
    (t.txnType === '01' && (t.state === 'created' || t.state === 'expired'))
  )
    return refused(state, request, '34', '查无此交易');
  const sub: Fields = t.subMerId ? { subMerId: t.subMerId } : {};
  const orig = ORIG_RESP_CODE[t.state];
  return {
    // A found transaction is described by its own txnType and txnSubType (not the query's 00/00).
    ...common(state, request),
    txnType: t.txnType,
    txnSubType: t.txnSubType,
    currencyCode: '156',
    ...SUCCESS,
    origRespCode: orig,
    origRespMsg: orig === '00' ? '成功[0000000]' : orig === '42' ? '交易已关闭' : orig,
    queryId: t.queryId,
    txnAmt: String(t.amount),
    settleAmt: String(t.amount),
    settleCurrencyCode: '156',
    settleDate: t.txnTime.slice(4, 8),
    traceNo: t.queryId.slice(-6),
    traceTime: t.txnTime.slice(4),
    ...sub,
  };
}

function cashierPage(state: UnionpaySandboxState, request: Fields, base: string): string {
  const amount = (Number(request.txnAmt) / 100).toFixed(2);
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>银联在线支付 (hutong sandbox)</title></head><body>
<h1>UnionPay sandbox cashier</h1>
<p>Merchant ${escapeHtml(state.merId)}, order ${escapeHtml(request.orderId ?? '')}: ¥${escapeHtml(amount)}</p>
<form method="post" action="${escapeHtml(base)}/sandbox/pay"><input type="hidden" name="orderId" value="${escapeHtml(request.orderId ?? '')}">
<button type="submit">Pay ¥${escapeHtml(amount)}</button></form></body></html>`;
}

const html = (text: string): UnionpaySandboxReply => ({ status: 200, type: 'text/html;charset=utf-8', text });

/** The cashier's "pay" button: notify backUrl, return the browser to frontUrl. */
function cashierPay(
  state: UnionpaySandboxState,
  hooks: UnionpaySandboxRouteHooks,
  orderId: string,
): UnionpaySandboxReply {
  const notification = hooks.pay(orderId);
  const t = state.requireTransaction(orderId);
  const back = t.backUrl;
  const front = hooks.frontReturn(t.orderId);
  const page = t.frontUrl
    ? renderAutoSubmitForm({
        type: 'form',
        method: 'POST',
        url: t.frontUrl,
        fields: decodeUnionpayForm(front.body as string),
      })
    : '<p>paid</p>';
  return {
    ...html(page),
    after: back ? async () => void (await hooks.deliver(notification, back).catch(() => undefined)) : undefined,
  };
}

/** The file-transfer host's path (`/filedownload/`), as the routes name it. */
const FILE_ENDPOINT = 'filedownload';

/** The gateway's endpoints; any other path is not found (404), before any signature check. */
const GATEWAY_ENDPOINTS: ReadonlySet<string> = new Set([
  'frontTransReq.do',
  'backTransReq.do',
  'appTransReq.do',
  'queryTrans.do',
  FILE_ENDPOINT,
]);

/** The file transfer (76/01, `fileType` 00): the archive of the day's trades of the requesting merchant. */
function fileTransfer(state: UnionpaySandboxState, request: Fields): Fields {
  if (request.txnType !== '76' || request.txnSubType !== '01' || request.bizType !== '000000')
    return refused(state, request, '10', '报文格式错误[txnType]');
  if (request.fileType !== '00') return refused(state, request, '10', '报文格式错误[fileType]');
  if (!/^(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(request.settleDate ?? ''))
    return refused(state, request, '10', '报文格式错误[settleDate]');
  const merId = request.accessType === '1' ? (request.merId as string) : state.merId;
  const file = unionpaySandboxStatement(state, merId, request.settleDate as string);
  return {
    ...common(state, request),
    ...SUCCESS,
    settleDate: request.settleDate as string,
    fileType: '00',
    fileName: file.fileName,
    fileContent: file.fileContent,
  };
}

/**
 * Answers one request to the sandbox's gateway (`path` ends with the endpoint; `base` is the
 * gateway base the cashier page posts back to).
 *
 * @example
 * ```ts
 * const reply = handleUnionpaySandboxRequest(state, hooks, '/gateway/api/queryTrans.do', body, base);
 * ```
 */
export function handleUnionpaySandboxRequest(
  state: UnionpaySandboxState,
  hooks: UnionpaySandboxRouteHooks,
  path: string,
  body: string,
  base: string,
): UnionpaySandboxReply {
  const request = decodeUnionpayForm(body);
  const endpoint = /\/filedownload\/?$/.test(path) ? FILE_ENDPOINT : path.slice(path.lastIndexOf('/') + 1);
  if (endpoint === 'pay' && path.endsWith('/sandbox/pay')) return cashierPay(state, hooks, request.orderId ?? '');
  if (!GATEWAY_ENDPOINTS.has(endpoint)) return { status: 404, type: 'text/plain', text: 'not found' };
  const problem = checkUnionpaySandboxRequest(state, request);
  if (endpoint === 'frontTransReq.do') {
    if (problem) return html(`<p>${escapeHtml(problem.respMsg ?? '')}</p>`);
    const made = createUnionpaySandboxTransaction(state, request, true);
    if ('refusal' in made) return html(`<p>${escapeHtml(made.refusal.respMsg ?? '')}</p>`);
    return html(cashierPage(state, request, base));
  }
  let reply: Fields;
  if (problem) reply = problem;
  else if (endpoint === 'backTransReq.do') reply = back(state, request);
  else if (endpoint === 'appTransReq.do') {
    const made = createUnionpaySandboxTransaction(state, request);
    reply = 'refusal' in made ? made.refusal : { ...common(state, request), ...SUCCESS, tn: made.transaction.queryId };
  } else if (endpoint === 'queryTrans.do') reply = query(state, request);
  else if (endpoint === FILE_ENDPOINT) reply = fileTransfer(state, request);
  else return { status: 404, type: 'text/plain', text: 'not found' };
  reply = hooks.rewriteReply({ ...reply }, request);
  return { status: 200, type: 'text/plain;charset=UTF-8', text: hooks.alterSignedReply(state.raw(reply)) };
}

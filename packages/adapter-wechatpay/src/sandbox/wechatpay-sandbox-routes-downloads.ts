/**
 * The WeChat Pay sandbox's downloads: the platform certificates (`/v3/certificates`, encrypted
 * with the APIv3 key), the trade bill's download link (`/v3/bill/tradebill`) and the bill file
 * itself (unsigned, as WeChat Pay's is).
 *
 * @packageDocumentation
 */
import { createHash, randomBytes } from 'node:crypto';
import { certificateSerial, encryptWechatpayResource, formatWechatpayTime } from '@hutong/adapter-wechatpay/protocol';
import type { WechatpaySandboxKeys } from './wechatpay-sandbox-keys.js';
import { errorReply, type SandboxReply, type WechatpaySandboxState } from './wechatpay-sandbox-state.js';

/**
 * Answers a download request; `undefined` when the request is not one.
 *
 * @example
 * ```ts
 * const reply = routeDownloads({ state, keys, appId, apiV3Key }, 'GET', new URL('https://sandbox.invalid/v3/certificates'));
 * ```
 */
export function routeDownloads(
  context: { state: WechatpaySandboxState; keys: WechatpaySandboxKeys; appId: string; apiV3Key: Buffer },
  method: string,
  url: URL,
): SandboxReply | undefined {
  if (method !== 'GET') return undefined;
  const { state, keys } = context;
  if (url.pathname === '/v3/certificates') {
    const data = keys.identities().map((identity) => ({
      serial_no: certificateSerial(identity.certificate),
      effective_time: formatWechatpayTime(keys.notBefore),
      expire_time: formatWechatpayTime(keys.notAfter),
      encrypt_certificate: encryptWechatpayResource(identity.pem, context.apiV3Key, 'certificate'),
    }));
    return { status: 200, body: { data } };
  }
  if (url.pathname === '/v3/bill/tradebill') return tradeBill(context, url);
  if (url.pathname === '/v3/billdownload/file') {
    const file = state.bills.get(url.searchParams.get('token') ?? '');
    return file === undefined
      ? errorReply(404, 'RESOURCE_NOT_EXISTS', '账单不存在')
      : { status: 200, body: file, unsigned: true };
  }
  return undefined;
}

/** The trade bill of the paid transactions (backquoted fields, a BOM, CRLF), and its download link. */
function tradeBill(context: { state: WechatpaySandboxState; appId: string }, url: URL): SandboxReply {
  const { state } = context;
  const date = url.searchParams.get('bill_date') ?? '';
  const lines = ['交易时间,公众账号ID,商户号,商户订单号,微信订单号,交易状态,应结订单金额'];
  for (const t of state.transactions.values()) {
    if (t.successTime)
      lines.push(
        `\`${formatWechatpayTime(t.successTime)},\`${context.appId},\`${state.mchId},\`${t.outTradeNo},\`${t.transactionId},\`${t.tradeState},\`${(t.amount / 100).toFixed(2)}`,
      );
  }
  const file = `\ufeff${lines.join('\r\n')}\r\n`;
  const token = randomBytes(12).toString('hex');
  state.bills.set(token, file);
  const hash = createHash('sha1').update(file, 'utf8').digest('hex');
  return {
    status: 200,
    body: {
      hash_type: 'SHA1',
      hash_value: hash,
      download_url: `${url.origin}/v3/billdownload/file?token=${token}&bill_date=${date}`,
    },
  };
}

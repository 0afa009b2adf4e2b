/**
 * The WeChat Pay sandbox's downloads: the platform certificates (`/v3/certificates`, encrypted
 * with the APIv3 key); the bills are `wechatpay-sandbox-routes-statements.ts`.
 *
 * @packageDocumentation
 */
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
  const { keys } = context;
  if (url.pathname === '/v3/certificates') {
    const data = keys.identities().map((identity) => ({
      serial_no: certificateSerial(identity.certificate),
      effective_time: formatWechatpayTime(keys.notBefore),
      expire_time: formatWechatpayTime(keys.notAfter),
      encrypt_certificate: encryptWechatpayResource(identity.pem, context.apiV3Key, 'certificate'),
    }));
    return { status: 200, body: { data } };
  }
  // A bill file this sandbox did not make (the bills themselves: wechatpay-sandbox-routes-statements.ts).
  if (url.pathname === '/v3/billdownload/file') return errorReply(404, 'RESOURCE_NOT_EXISTS', '账单不存在');
  return undefined;
}

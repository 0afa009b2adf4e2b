/**
 * WeChat Pay's trade bill: the signed reply naming the file's download URL and SHA1 hash, and the
 * download of the (unsigned) file, authenticated by that hash.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { ProviderApiError, UnexpectedResponseError, ValidationError } from '@hutong/core';
import type { WechatpayOperationContext } from './wechatpay-payments.js';
import { readWechatpayBill, type WechatpayBill } from './wechatpay-replies.js';

/**
 * A trade bill request: the day (`yyyy-MM-dd`, China time) and which trades.
 *
 * @group Bills
 * @example
 * ```ts
 * const request: WechatpayBillRequest = { date: '2024-05-01', type: 'SUCCESS' };
 * ```
 */
export interface WechatpayBillRequest {
  date: string;
  type?: 'ALL' | 'SUCCESS' | 'REFUND' | undefined;
}

/**
 * The bill operations of one provider.
 *
 * @group Bills
 * @example
 * ```ts
 * const { downloadTradeBill } = createWechatpayBills(context);
 * const csv = await downloadTradeBill({ date: '2024-05-01' });
 * ```
 */
export function createWechatpayBills(context: WechatpayOperationContext) {
  const { id, client, replies } = context;

  async function tradeBill({ date, type = 'ALL' }: WechatpayBillRequest): Promise<WechatpayBill> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ValidationError('date', 'must be yyyy-MM-dd');
    if (!['ALL', 'SUCCESS', 'REFUND'].includes(type))
      throw new ValidationError('type', 'must be ALL, SUCCESS or REFUND');
    const reply = await client.request({
      method: 'GET',
      path: `/v3/bill/tradebill?bill_date=${date}&bill_type=${type}`,
    });
    return readWechatpayBill(replies, reply);
  }

  async function downloadTradeBill(request: WechatpayBillRequest): Promise<string> {
    const bill = await tradeBill(request);
    const response = await client.download(bill.downloadUrl);
    if (response.status !== 200) {
      throw new ProviderApiError({
        provider: id,
        providerCode: `HTTP_${response.status}`,
        normalizedCode: response.status >= 500 ? 'system_busy' : 'unknown',
        httpStatus: response.status,
        requestId: response.headers.get('request-id') ?? undefined,
      });
    }
    // The file is not signed: its SHA1 from the signed bill reply is what authenticates it.
    const hash = createHash('sha1').update(response.bytes).digest('hex');
    if (hash !== bill.hashValue) {
      throw new UnexpectedResponseError(id, 'malformed', 'the downloaded bill does not match its SHA1 hash', {
        field: 'bill',
      });
    }
    return response.text;
  }

  return { tradeBill, downloadTradeBill };
}

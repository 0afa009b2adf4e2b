/**
 * WeChat Pay's bills: the signed replies naming each file's download URL and SHA1 hash (trade bill
 * `/v3/bill/tradebill`, fund-flow bill `/v3/bill/fundflowbill`, and for a partner the encrypted
 * fund-flow bill of a sub-merchant, `/v3/bill/sub-merchant-fundflowbill`), the download of the
 * (unsigned) file authenticated by that hash, and `statement`: the day's bill downloaded and parsed
 * as a stream of {@link StatementLine}s.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { ProviderApiError, ValidationError } from '@hutong/core';
import type { ProviderStatementRequest, StatementLine } from '@hutong/core/provider-utils';
import type { WechatpayOperationContext } from './wechatpay-payments.js';
import {
  readWechatpayBill,
  readWechatpayEncryptedBill,
  type WechatpayBill,
  type WechatpayEncryptedBill,
} from './wechatpay-replies.js';
import { openWechatpayBill } from './wechatpay-statements-download.js';
import { openWechatpayEncryptedBill } from './wechatpay-statements-encrypted.js';
import { parseWechatpayBill, WechatpayBillError } from './wechatpay-statements-parser.js';

/**
 * A trade bill request: the day (`yyyy-MM-dd`, China time), which trades, and optionally a
 * sub-merchant (partner mode) and a gzip file.
 *
 * @group Bills
 * @example
 * ```ts
 * const request: WechatpayBillRequest = { date: '2024-05-01', type: 'SUCCESS' };
 * ```
 */
export interface WechatpayBillRequest {
  /** The day, `yyyy-MM-dd` (China time). */
  date: string;
  /** `ALL` (default), `SUCCESS` (payments only) or `REFUND` (refunds only). */
  type?: 'ALL' | 'SUCCESS' | 'REFUND' | undefined;
  /** Partner mode: the sub-merchant's bill (`sub_mchid`). */
  subMchId?: string | undefined;
  /** Ask for the file gzipped (`tar_type=GZIP`). Default `false` (`true` in `statement`). */
  gzip?: boolean | undefined;
}

/**
 * A fund-flow bill request: the day and the account (`BASIC` 基本账户, `OPERATION` 运营账户, `FEES`
 * 手续费账户).
 *
 * @group Bills
 * @example
 * ```ts
 * const request: WechatpayFundflowBillRequest = { date: '2024-05-01', accountType: 'FEES' };
 * ```
 */
export interface WechatpayFundflowBillRequest {
  /** The day, `yyyy-MM-dd` (China time). */
  date: string;
  /** The account: `BASIC` (default), `OPERATION` or `FEES`. */
  accountType?: 'BASIC' | 'OPERATION' | 'FEES' | undefined;
  /** Ask for the file gzipped (`tar_type=GZIP`). Default `false`. */
  gzip?: boolean | undefined;
}

/**
 * A sub-merchant's fund-flow bill request (partner mode): the day, the sub-merchant (`sub_mchid`)
 * and the account. The file comes encrypted (`algorithm=AEAD_AES_256_GCM`).
 *
 * @group Bills
 * @example
 * ```ts
 * const request: WechatpaySubMerchantFundflowBillRequest = { date: '2024-05-01', subMchId: '1900000109' };
 * ```
 */
export interface WechatpaySubMerchantFundflowBillRequest extends WechatpayFundflowBillRequest {
  /** The sub-merchant (`sub_mchid`). */
  subMchId: string;
}

/**
 * What `statement` takes: the spec's request, `kind` `trade` (default) or `fundflow`, and
 * optionally the trade bill's `billType` (default `ALL`) or the fund-flow bill's `accountType`
 * (default `BASIC`). With `merchant`, the sub-merchant's bill: its trade bill (`sub_mchid`), or in
 * partner mode its encrypted fund-flow bill.
 *
 * @group Bills
 * @example
 * ```ts
 * const request: WechatpayStatementRequest = { date: '2024-05-01', kind: 'fundflow', accountType: 'FEES' };
 * ```
 */
export interface WechatpayStatementRequest extends ProviderStatementRequest {
  /** `trade` (default, 交易账单) or `fundflow` (资金账单). */
  kind?: 'trade' | 'fundflow' | undefined;
  /** The trade bill's `bill_type`. Default `ALL`. */
  billType?: WechatpayBillRequest['type'];
  /** The fund-flow bill's account. Default `BASIC`. */
  accountType?: WechatpayFundflowBillRequest['accountType'];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const SUB_MCHID = /^\d{1,32}$/;

/**
 * The bill operations of one provider.
 *
 * @group Bills
 * @example
 * ```ts
 * const { downloadTradeBill, statement } = createWechatpayBills(context);
 * for await (const line of statement({ date: '2024-05-01' })) console.log(line.orderId, line.amount);
 * ```
 */
export function createWechatpayBills(context: WechatpayOperationContext) {
  const { id, client, replies, config } = context;

  async function tradeBill({ date, type = 'ALL', subMchId, gzip }: WechatpayBillRequest): Promise<WechatpayBill> {
    if (!DATE.test(date)) throw new ValidationError('date', 'must be yyyy-MM-dd');
    if (!['ALL', 'SUCCESS', 'REFUND'].includes(type))
      throw new ValidationError('type', 'must be ALL, SUCCESS or REFUND');
    if (subMchId !== undefined && !SUB_MCHID.test(subMchId))
      throw new ValidationError('subMchId', 'must be a WeChat Pay merchant id');
    let path = `/v3/bill/tradebill?bill_date=${date}&bill_type=${type}`;
    if (subMchId !== undefined) path += `&sub_mchid=${subMchId}`;
    if (gzip) path += '&tar_type=GZIP';
    return readWechatpayBill(replies, await client.request({ method: 'GET', path }));
  }

  async function fundflowBill({
    date,
    accountType = 'BASIC',
    gzip,
  }: WechatpayFundflowBillRequest): Promise<WechatpayBill> {
    if (!DATE.test(date)) throw new ValidationError('date', 'must be yyyy-MM-dd');
    if (!['BASIC', 'OPERATION', 'FEES'].includes(accountType))
      throw new ValidationError('accountType', 'must be BASIC, OPERATION or FEES');
    let path = `/v3/bill/fundflowbill?bill_date=${date}&account_type=${accountType}`;
    if (gzip) path += '&tar_type=GZIP';
    return readWechatpayBill(replies, await client.request({ method: 'GET', path }));
  }

  async function subMerchantFundflowBill({
    date,
    subMchId,
    accountType = 'BASIC',
    gzip,
  }: WechatpaySubMerchantFundflowBillRequest): Promise<WechatpayEncryptedBill> {
    if (!DATE.test(date)) throw new ValidationError('date', 'must be yyyy-MM-dd');
    if (!SUB_MCHID.test(subMchId)) throw new ValidationError('subMchId', 'must be a WeChat Pay merchant id');
    if (!['BASIC', 'OPERATION', 'FEES'].includes(accountType))
      throw new ValidationError('accountType', 'must be BASIC, OPERATION or FEES');
    let path = `/v3/bill/sub-merchant-fundflowbill?sub_mchid=${subMchId}&bill_date=${date}&account_type=${accountType}&algorithm=AEAD_AES_256_GCM`;
    if (gzip) path += '&tar_type=GZIP';
    return readWechatpayEncryptedBill(replies, await client.request({ method: 'GET', path }));
  }

  /** The whole trade bill as text (kept for compatibility; `statement` streams instead). */
  async function downloadTradeBill(request: WechatpayBillRequest): Promise<string> {
    const bill = await tradeBill({ ...request, gzip: false });
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
    if (hash !== bill.hashValue)
      throw new WechatpayBillError(id, 'the downloaded bill does not match its SHA1 hash', undefined);
    return response.text;
  }

  function statement(request: WechatpayStatementRequest): AsyncIterable<StatementLine> {
    return (async function* () {
      const kind = request.kind ?? 'trade';
      if (kind !== 'trade' && kind !== 'fundflow') throw new ValidationError('kind', "must be 'trade' or 'fundflow'");
      const merchant = request.merchant ?? undefined;
      if (merchant && !merchant.enabled) throw new ValidationError('merchant', `${merchant.merchant} is disabled`);
      let bytes: AsyncIterable<Uint8Array>;
      if (kind === 'trade') {
        const bill = await tradeBill({
          date: request.date,
          type: request.billType,
          subMchId: merchant?.accountId,
          gzip: true,
        });
        bytes = openWechatpayBill(config, bill);
      } else if (merchant) {
        if (!config.partner)
          throw new ValidationError(
            'merchant',
            "a sub-merchant's fund-flow bill is a partner-mode API (create the provider with mode: 'partner')",
          );
        const bill = await subMerchantFundflowBill({
          date: request.date,
          subMchId: merchant.accountId,
          accountType: request.accountType,
          gzip: true,
        });
        // No file: no flows that day.
        if (bill.parts.length === 0) return;
        bytes = openWechatpayEncryptedBill(config, bill);
      } else {
        bytes = openWechatpayBill(
          config,
          await fundflowBill({ date: request.date, accountType: request.accountType, gzip: true }),
        );
      }
      yield* parseWechatpayBill(bytes, {
        kind,
        provider: id,
        merchant: merchant?.merchant ?? null,
        malformed: request.malformed,
        onSkipped: request.onSkipped,
        mchId: config.mchId,
        subMchId: merchant?.accountId,
      });
    })();
  }

  return { tradeBill, fundflowBill, subMerchantFundflowBill, downloadTradeBill, statement };
}

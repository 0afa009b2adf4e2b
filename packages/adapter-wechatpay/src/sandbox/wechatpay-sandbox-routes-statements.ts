/**
 * The WeChat Pay sandbox's bills, made from its own trades as WeChat Pay writes them: the trade
 * bill (`/v3/bill/tradebill`, the column sets of `ALL`, `SUCCESS` and `REFUND`), the fund-flow
 * bill (`/v3/bill/fundflowbill`) and a bound sub-merchant's fund-flow bill
 * (`/v3/bill/sub-merchant-fundflowbill`), each field backquoted, a byte-order mark, CRLF lines,
 * the summary header and row; the reply names the file's download URL and the SHA1 of the
 * (decompressed) file, and the file is served gzipped when `tar_type=GZIP` was asked. The
 * sub-merchant's bill is encrypted as WeChat Pay encrypts it: AEAD_AES_256_GCM under a fresh key
 * sent RSA-OAEP encrypted with the merchant's public key (`encrypt_key`), with a fresh `nonce`.
 *
 * @packageDocumentation
 */
import { createHash, type KeyObject, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { encryptWechatpayBillFile, encryptWechatpaySensitive } from '@hutong/adapter-wechatpay/protocol';
import { errorReply, type SandboxReply, type WechatpaySandboxState } from './wechatpay-sandbox-state.js';

interface BillFile {
  bytes: Uint8Array;
  /** Served as bytes (gzip or encrypted), not as text. */
  binary: boolean;
}

/** Bill files by download token, per sandbox. */
const files = new WeakMap<WechatpaySandboxState, Map<string, BillFile>>();

const TRADE_HEADERS = {
  ALL: '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
  SUCCESS:
    '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注',
  REFUND:
    '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
} as const;
const TRADE_SUMMARY = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
const FUNDFLOW_HEADER =
  '记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号';
const FUNDFLOW_SUMMARY = '资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额';

/** The sandbox's fee rate: 0.6%, i.e. 6 × 10^-5 yuan per fen. */
const FEE_UNITS_PER_FEN = 6;

const REFUND_STATUS = { SUCCESS: 'SUCCESS', PROCESSING: 'PROCESSING', ABNORMAL: 'CHANGE', CLOSED: 'FAIL' } as const;

/** China time as bills write it: `yyyy-MM-dd HH:mm:ss`. */
function chinaTime(date: Date): string {
  return new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** An integer count of `10^-places` yuan as decimal text, exactly. */
function decimal(units: number, places: number): string {
  const digits = String(Math.abs(units)).padStart(places + 1, '0');
  return `${units < 0 ? '-' : ''}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

const yuan = (fen: number) => decimal(fen, 2);

/** Half away from zero, as the fund-flow bill charges a trade's fee in fen. */
const feeFen = (fen: number) => Math.round((fen * FEE_UNITS_PER_FEN) / 1000);

function backquoted(values: readonly string[]): string {
  return values.map((value) => `\`${value}`).join(',');
}

function billText(lines: readonly string[]): string {
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

/** The sub-merchant a transaction was placed for (partner mode), when the sandbox records one. */
function subMchIdOf(transaction: object): string | undefined {
  const value = (transaction as { subMchId?: unknown }).subMchId;
  return typeof value === 'string' ? value : undefined;
}

/** The trade bill of `date` (`yyyy-MM-dd`) as WeChat Pay writes it. */
function tradeBillText(
  state: WechatpaySandboxState,
  date: string,
  type: keyof typeof TRADE_HEADERS,
  subMchId: string | undefined,
): string {
  const header = TRADE_HEADERS[type].split(',');
  const rows: { time: string; values: Record<string, string> }[] = [];
  for (const t of state.transactions.values()) {
    if (subMchIdOf(t) !== subMchId) continue;
    const common = {
      公众账号ID: t.appId,
      商户号: state.mchId,
      特约商户号: subMchId ?? '0',
      设备号: '',
      微信订单号: t.transactionId,
      商户订单号: t.outTradeNo,
      用户标识: t.openid,
      交易类型: t.tradeType,
      付款银行: 'OTHERS',
      货币种类: t.currency,
      代金券金额: '0.00',
      商品名称: t.description,
      商户数据包: '',
      费率: '0.60%',
      费率备注: '',
    };
    if (type !== 'REFUND' && t.successTime && chinaTime(t.successTime).startsWith(date)) {
      const time = chinaTime(t.successTime);
      rows.push({
        time,
        values: {
          ...common,
          交易时间: time,
          交易状态: 'SUCCESS',
          应结订单金额: yuan(t.amount),
          微信退款单号: '0',
          商户退款单号: '0',
          退款金额: '0.00',
          充值券退款金额: '0.00',
          退款类型: '',
          退款状态: '',
          手续费: decimal(t.amount * FEE_UNITS_PER_FEN, 5),
          订单金额: yuan(t.amount),
          申请退款金额: '0.00',
        },
      });
    }
    if (type === 'SUCCESS') continue;
    for (const [outRefundNo, refund] of t.refunds) {
      const createdAt = refund.createdAt;
      if (!createdAt || !chinaTime(createdAt).startsWith(date)) continue;
      const succeededAt = refund.successTime;
      const time = chinaTime(createdAt);
      rows.push({
        time,
        values: {
          ...common,
          交易时间: time,
          交易状态: 'REFUND',
          应结订单金额: '0.00',
          退款申请时间: time,
          退款成功时间: succeededAt ? chinaTime(succeededAt) : '',
          微信退款单号: refund.refundId,
          商户退款单号: outRefundNo,
          退款金额: yuan(refund.amount),
          充值券退款金额: '0.00',
          退款类型: 'ORIGINAL',
          退款状态: REFUND_STATUS[refund.status],
          手续费: decimal(-refund.amount * FEE_UNITS_PER_FEN, 5),
          订单金额: '0.00',
          申请退款金额: yuan(refund.amount),
        },
      });
    }
  }
  rows.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  const sum = (name: string, places = 2) =>
    rows.reduce((total, row) => total + Number((row.values[name] ?? '0').replace('.', '')) * 10 ** (5 - places), 0);
  const summary = [
    String(rows.length),
    decimal(sum('应结订单金额'), 5).slice(0, -3),
    decimal(sum('退款金额'), 5).slice(0, -3),
    '0.00',
    decimal(
      rows.reduce((total, row) => total + Number((row.values.手续费 ?? '0').replace('.', '')), 0),
      5,
    ),
    decimal(sum('订单金额'), 5).slice(0, -3),
    decimal(sum('申请退款金额'), 5).slice(0, -3),
  ];
  return billText([
    TRADE_HEADERS[type],
    ...rows.map((row) => backquoted(header.map((name) => row.values[name] ?? ''))),
    TRADE_SUMMARY,
    backquoted(summary),
  ]);
}

/**
 * The fund-flow bill of `date`: each payment in, its fee out, each refund out (the basic account),
 * of the merchant's own trades or of one sub-merchant's (`subMchId`).
 */
function fundflowBillText(
  state: WechatpaySandboxState,
  date: string,
  account: string,
  subMchId: string | undefined,
): string {
  const flows: { time: Date; values: string[]; income: boolean; fen: number }[] = [];
  if (account === 'BASIC') {
    for (const t of state.transactions.values()) {
      if (subMchIdOf(t) !== subMchId) continue;
      if (t.successTime && chinaTime(t.successTime).startsWith(date)) {
        const time = chinaTime(t.successTime);
        flows.push({
          time: t.successTime,
          income: true,
          fen: t.amount,
          values: [time, t.transactionId, '', '交易', '交易', '收入', yuan(t.amount), '', 'system', '', t.outTradeNo],
        });
        const fee = feeFen(t.amount);
        flows.push({
          time: t.successTime,
          income: false,
          fen: fee,
          values: [
            time,
            t.transactionId,
            '',
            '交易',
            '扣除交易手续费',
            '支出',
            yuan(fee),
            '',
            'system',
            '',
            t.outTradeNo,
          ],
        });
      }
      for (const [outRefundNo, refund] of t.refunds) {
        const succeededAt = refund.successTime;
        if (refund.status !== 'SUCCESS' || !succeededAt || !chinaTime(succeededAt).startsWith(date)) continue;
        const returned = feeFen(refund.amount);
        flows.push({
          time: succeededAt,
          income: false,
          fen: refund.amount - returned,
          values: [
            chinaTime(succeededAt),
            refund.refundId,
            '',
            '退款',
            '退款',
            '支出',
            yuan(refund.amount - returned),
            '',
            `${state.mchId}API`,
            `退款总金额${yuan(refund.amount)}元;含手续费${yuan(returned)}元`,
            outRefundNo,
          ],
        });
      }
    }
  }
  flows.sort((a, b) => a.time.getTime() - b.time.getTime());
  let balance = 0;
  const lines = flows.map((flow, index) => {
    balance += flow.income ? flow.fen : -flow.fen;
    const values = [...flow.values];
    values[2] = `${date.replaceAll('-', '')}${String(index + 1).padStart(10, '0')}`;
    values[7] = yuan(balance);
    return backquoted(values);
  });
  const income = flows.filter((flow) => flow.income);
  const expense = flows.filter((flow) => !flow.income);
  const total = (list: typeof flows) => yuan(list.reduce((sum, flow) => sum + flow.fen, 0));
  return billText([
    FUNDFLOW_HEADER,
    ...lines,
    FUNDFLOW_SUMMARY,
    backquoted([String(flows.length), String(income.length), total(income), String(expense.length), total(expense)]),
  ]);
}

/** Keeps a bill file for download and answers with its link and hash, as WeChat Pay's reply does. */
function offer(state: WechatpaySandboxState, url: URL, text: string): SandboxReply {
  const bytes = new TextEncoder().encode(text);
  const token = randomBytes(12).toString('hex');
  const gzip = url.searchParams.get('tar_type') === 'GZIP';
  let byToken = files.get(state);
  if (!byToken) {
    byToken = new Map();
    files.set(state, byToken);
  }
  byToken.set(token, { bytes: gzip ? gzipSync(bytes) : bytes, binary: gzip });
  return {
    status: 200,
    body: {
      hash_type: 'SHA1',
      // The digest of the original (decompressed) bill, as WeChat Pay documents it.
      hash_value: createHash('sha1').update(bytes).digest('hex'),
      download_url: `${url.origin}/v3/billdownload/file?token=${token}`,
    },
  };
}

/** Keeps a bill file encrypted for download and answers as WeChat Pay's sub-merchant bill reply does. */
function offerEncrypted(state: WechatpaySandboxState, merchantKey: KeyObject, url: URL, text: string): SandboxReply {
  const bytes = new TextEncoder().encode(text);
  const token = randomBytes(12).toString('hex');
  const gzip = url.searchParams.get('tar_type') === 'GZIP';
  // A fresh key of 32 ASCII characters (as the key WeChat Pay's SDKs read back as text) and nonce.
  const key = Buffer.from(randomBytes(24).toString('base64').replace(/[+/]/g, 'x'), 'utf8');
  const nonce = randomBytes(8).toString('hex');
  let byToken = files.get(state);
  if (!byToken) {
    byToken = new Map();
    files.set(state, byToken);
  }
  byToken.set(token, { bytes: encryptWechatpayBillFile(gzip ? gzipSync(bytes) : bytes, key, nonce), binary: true });
  return {
    status: 200,
    body: {
      download_bill_count: 1,
      download_bill_list: [
        {
          bill_sequence: 1,
          download_url: `${url.origin}/v3/billdownload/file?token=${token}`,
          encrypt_key: encryptWechatpaySensitive(key.toString('utf8'), merchantKey),
          hash_type: 'SHA1',
          // The digest of the original bill (decompressed, decrypted), as for every bill.
          hash_value: createHash('sha1').update(bytes).digest('hex'),
          nonce,
        },
      ],
    },
  };
}

/**
 * Answers a bill request (`/v3/bill/tradebill`, `/v3/bill/fundflowbill`,
 * `/v3/bill/sub-merchant-fundflowbill`); `undefined` when the request is not one. `merchantKey` is
 * the merchant's public key, which a sub-merchant bill's `encrypt_key` is encrypted with.
 *
 * @example
 * ```ts
 * const reply = routeWechatpayBills({ state, merchantKey }, 'GET', new URL('https://sandbox.invalid/v3/bill/tradebill?bill_date=2024-05-01'));
 * ```
 */
export function routeWechatpayBills(
  { state, merchantKey }: { state: WechatpaySandboxState; merchantKey: KeyObject },
  method: string,
  url: URL,
): SandboxReply | undefined {
  if (method !== 'GET') return undefined;
  const date = url.searchParams.get('bill_date') ?? '';
  if (url.pathname === '/v3/bill/tradebill') {
    const type = url.searchParams.get('bill_type') ?? 'ALL';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !(type in TRADE_HEADERS))
      return errorReply(400, 'PARAM_ERROR', '参数错误');
    const subMchId = url.searchParams.get('sub_mchid') ?? undefined;
    return offer(state, url, tradeBillText(state, date, type as keyof typeof TRADE_HEADERS, subMchId));
  }
  if (url.pathname === '/v3/bill/fundflowbill') {
    const account = url.searchParams.get('account_type') ?? 'BASIC';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !['BASIC', 'OPERATION', 'FEES'].includes(account))
      return errorReply(400, 'PARAM_ERROR', '参数错误');
    return offer(state, url, fundflowBillText(state, date, account, undefined));
  }
  if (url.pathname === '/v3/bill/sub-merchant-fundflowbill') {
    const account = url.searchParams.get('account_type') ?? '';
    const subMchId = url.searchParams.get('sub_mchid') ?? '';
    if (
      !/^\d{4}-\d{2}-\d{2}$/.test(date) ||
      !['BASIC', 'OPERATION', 'FEES'].includes(account) ||
      url.searchParams.get('algorithm') !== 'AEAD_AES_256_GCM' ||
      !['GZIP', null].includes(url.searchParams.get('tar_type'))
    )
      return errorReply(400, 'PARAM_ERROR', '参数错误');
    if (!state.subMerchants.has(subMchId)) return errorReply(403, 'NO_AUTH', '子商户号未与服务商绑定');
    return offerEncrypted(state, merchantKey, url, fundflowBillText(state, date, account, subMchId));
  }
  return undefined;
}

/**
 * Serves a bill file (`/v3/billdownload/file?token=`), unsigned as WeChat Pay's are: gzip bytes
 * when the bill was asked with `tar_type=GZIP`, the ciphertext for a sub-merchant's bill, else the text; `undefined` when the request is not
 * for a file this module made.
 *
 * @example
 * ```ts
 * const response = serveWechatpayBillFile(state, 'GET', new URL(downloadUrl));
 * ```
 */
export function serveWechatpayBillFile(state: WechatpaySandboxState, method: string, url: URL): Response | undefined {
  if (method !== 'GET' || url.pathname !== '/v3/billdownload/file') return undefined;
  const file = files.get(state)?.get(url.searchParams.get('token') ?? '');
  if (!file) return undefined;
  return new Response(file.bytes as Uint8Array<ArrayBuffer>, {
    status: 200,
    headers: { 'content-type': file.binary ? 'application/octet-stream' : 'text/plain;charset=utf-8' },
  });
}

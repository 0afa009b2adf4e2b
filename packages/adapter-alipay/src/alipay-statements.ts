/**
 * Statements (对账单): the download URL of a day's or month's bill
 * (`alipay.data.dataservice.bill.downloadurl.query`, for the app's own account or, with the
 * merchant's `app_auth_token`, an ISV merchant's), and `statement`: the zip at that URL downloaded
 * and parsed as a stream of {@link StatementLine}s.
 *
 * @packageDocumentation
 */

import { ProviderApiError, ValidationError } from '@hutong/core';
import { type ProviderStatementRequest, readResponseBody, type StatementLine } from '@hutong/core/provider-utils';
import type { AlipayContext } from './alipay-client.js';
import { alipayClientFor } from './alipay-merchant.js';
import { readAlipayBillDownloadUrlReply } from './alipay-replies.js';
import { parseAlipayBill } from './alipay-statements-parser.js';

/**
 * A statement (对账单) kind: `trade` (business transactions) or `signcustomer` (account flows).
 *
 * @group Statements
 * @example
 * ```ts
 * const type: AlipayBillType = 'trade';
 * ```
 */
export type AlipayBillType = 'trade' | 'signcustomer';

/** The largest statement zip read, in bytes (256 MiB). */
const MAX_BILL_BYTES = 256 * 1024 * 1024;

/**
 * `alipay.data.dataservice.bill.downloadurl.query`: the statement's download URL (valid for 30
 * seconds). `date` is `yyyy-MM-dd` (daily) or `yyyy-MM` (monthly); `appAuthToken` asks for an ISV
 * merchant's statement (sent as the signed `app_auth_token` parameter, redacted from hooks).
 *
 * @example
 * ```ts
 * const url = await alipayBillDownloadUrl(context, { type: 'trade', date: '2024-05-01' });
 * ```
 */
export async function alipayBillDownloadUrl(
  context: AlipayContext,
  { type, date, appAuthToken }: { type: AlipayBillType; date: string; appAuthToken?: string | undefined },
): Promise<string> {
  if (!/^\d{4}-\d{2}(-\d{2})?$/.test(date)) throw new ValidationError('date', 'must be yyyy-MM-dd or yyyy-MM');
  if (type !== 'trade' && type !== 'signcustomer')
    throw new ValidationError('type', "must be 'trade' or 'signcustomer'");
  const node = await context.client.call(
    'alipay.data.dataservice.bill.downloadurl.query',
    { bill_type: type, bill_date: date },
    { idempotent: true, ...(appAuthToken ? { params: { app_auth_token: appAuthToken } } : {}) },
  );
  return readAlipayBillDownloadUrlReply(node, context.id);
}

/**
 * Downloads the statement zip at `url` as a stream (the time limit covers the reply's arrival, not
 * the reading of a file of any size). The URL comes from a verified reply; the file itself is not
 * signed by Alipay.
 *
 * @example
 * ```ts
 * for await (const chunk of downloadAlipayBill(context, url)) zip.push(chunk);
 * ```
 */
export async function* downloadAlipayBill(context: AlipayContext, url: string): AsyncGenerator<Uint8Array> {
  const { config } = context;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), config.timeoutMs);
  let response: Response;
  try {
    response = await (config.fetch ?? globalThis.fetch)(url, { signal: controller.signal, redirect: 'follow' });
  } finally {
    clearTimeout(timer);
  }
  if (response.status !== 200 || !response.body) {
    await response.body?.cancel().catch(() => {});
    throw new ProviderApiError({
      provider: context.id,
      providerCode: `HTTP_${response.status}`,
      normalizedCode: response.status >= 500 ? 'system_busy' : 'unknown',
      httpStatus: response.status,
    });
  }
  yield* readResponseBody(response.body, { provider: context.id, limit: MAX_BILL_BYTES, what: 'statement' });
}

/**
 * `provider.statement`: the day's statement of `kind` `trade` (default, 业务明细) or `signcustomer`
 * (账务明细), for the app's own account or `request.merchant` (an ISV merchant, by its
 * `fields.appAuthToken`), downloaded and parsed as a stream ({@link parseAlipayBill}).
 *
 * @group Statements
 * @example
 * ```ts
 * for await (const line of alipayStatement(context, { date: '2024-05-01' })) console.log(line.orderId, line.amount);
 * ```
 */
export function alipayStatement(
  context: AlipayContext,
  request: ProviderStatementRequest,
): AsyncIterable<StatementLine> {
  return (async function* () {
    const kind = request.kind ?? 'trade';
    if (kind !== 'trade' && kind !== 'signcustomer')
      throw new ValidationError('kind', "must be 'trade' or 'signcustomer'");
    const merchant = request.merchant ?? undefined;
    if (merchant && !merchant.enabled) throw new ValidationError('merchant', `${merchant.merchant} is disabled`);
    if (merchant && !merchant.fields.appAuthToken) {
      throw new ValidationError('merchant', `${merchant.merchant} has no appAuthToken`);
    }
    // A merchant's statement goes through its client: its app_auth_token (refreshed when due) signed
    // into the call, and a revoked token reported as for every other call.
    const client = await alipayClientFor(context, merchant);
    const url = await alipayBillDownloadUrl({ ...context, client }, { type: kind, date: request.date });
    yield* parseAlipayBill(downloadAlipayBill(context, url), {
      provider: context.id,
      merchant: merchant?.merchant ?? null,
      malformed: request.malformed,
      onSkipped: request.onSkipped,
    });
  })();
}

/**
 * Statements (对账单): the download URL of a day's or month's bill.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import type { AlipayContext } from './alipay-client.js';
import { readAlipayBillDownloadUrlReply } from './alipay-replies.js';

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

/**
 * `alipay.data.dataservice.bill.downloadurl.query`: the statement's download URL (valid for 30
 * seconds). `date` is `yyyy-MM-dd` (daily) or `yyyy-MM` (monthly).
 *
 * @example
 * ```ts
 * const url = await alipayBillDownloadUrl(context, { type: 'trade', date: '2024-05-01' });
 * ```
 */
export async function alipayBillDownloadUrl(
  context: AlipayContext,
  { type, date }: { type: AlipayBillType; date: string },
): Promise<string> {
  if (!/^\d{4}-\d{2}(-\d{2})?$/.test(date)) throw new ValidationError('date', 'must be yyyy-MM-dd or yyyy-MM');
  const node = await context.client.call(
    'alipay.data.dataservice.bill.downloadurl.query',
    { bill_type: type, bill_date: date },
    { idempotent: true },
  );
  return readAlipayBillDownloadUrlReply(node, context.id);
}

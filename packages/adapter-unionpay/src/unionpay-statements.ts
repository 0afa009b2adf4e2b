/**
 * `provider.statement(request)`: ACP's file transfer (文件传输类交易: `txnType=76`,
 * `txnSubType=01`, `bizType=000000`, `fileType=00`, `settleDate` MMDD) posted to the file host,
 * its signed reply verified and bound like every reply, then its `fileContent` (base64 of the
 * zlib-deflated ZIP archive named `fileName`, as UnionPay's SDK `deCodeFileContent` reads it)
 * inflated, unzipped and parsed as a stream by {@link parseUnionpayStatement}.
 *
 * The reply is one signed message, so it is read whole (its `fileContent` is the compressed
 * archive, bounded by `UNIONPAY_MAX_FILE_REPLY_BYTES`); everything after the signature check is
 * streamed: the archive is inflated, unzipped and parsed chunk by chunk, and the transaction file
 * itself is never held whole.
 *
 * @packageDocumentation
 */
import { createInflate } from 'node:zlib';
import { UnexpectedResponseError, ValidationError } from '@hutong/core';
import type { ProviderStatementRequest, StatementLine } from '@hutong/core/provider-utils';
import { unionpayAccessFields } from './unionpay-access.js';
import type { UnionpayContext } from './unionpay-client.js';
import { parseUnionpayStatement, type UnionpayStatementOptions } from './unionpay-statements-parser.js';
import { formatUnionpayTime } from './unionpay-time.js';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const FILE_NAME = /^[0-9A-Za-z_.-]{1,128}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The transfer's statement kinds: `trade` (the default), the merchant transaction file. */
const KINDS = new Set(['trade']);

/** The archive's bytes: `fileContent` base64-decoded, then inflated (zlib) as a stream. */
async function* archiveBytes(provider: string, fileContent: Buffer): AsyncGenerator<Uint8Array> {
  const inflate = createInflate();
  inflate.end(fileContent);
  try {
    for await (const chunk of inflate) yield chunk as Buffer;
  } catch (cause) {
    throw new UnexpectedResponseError(provider, 'malformed', 'fileContent does not inflate', {
      cause,
      field: 'response.fileContent',
    });
  } finally {
    inflate.destroy();
  }
}

/**
 * Downloads and parses one day's statement. For a sub-merchant (`request.merchant`): under
 * platform access the platform's file is requested and only the records of the account's
 * `subMerId` are yielded; under acquirer access the merchant's own file (its `merId`). Without a
 * merchant, the provider's own records (under platform access, those without a sub-merchant).
 *
 * @example
 * ```ts
 * for await (const line of unionpayStatement(context, { date: '2024-12-01' })) console.log(line.orderId);
 * ```
 */
export async function* unionpayStatement(
  context: UnionpayContext,
  request: ProviderStatementRequest,
): AsyncGenerator<StatementLine> {
  const { config, client, id } = context;
  const date = DATE.exec(request.date ?? '');
  if (!date) throw new ValidationError('date', 'must be YYYY-MM-DD');
  const kind = request.kind ?? 'trade';
  if (!KINDS.has(kind)) throw new ValidationError('kind', `UnionPay statements are ${[...KINDS].join(', ')}`);
  const account = request.merchant;
  const reply = await client.post({
    endpoint: 'fileTransfer',
    account,
    fields: {
      ...unionpayAccessFields(config, account, 'file'),
      txnType: '76',
      txnSubType: '01',
      bizType: '000000',
      fileType: '00',
      settleDate: `${date[1]}${date[2]}`,
      txnTime: formatUnionpayTime(config.now()),
    },
  });
  if (reply.outcome === 'pending') {
    throw new UnexpectedResponseError(id, 'malformed', `the file transfer answered ${reply.fields.respCode}`, {
      field: 'response.respCode',
    });
  }
  const { fileContent, fileName } = reply.fields;
  if (fileName === undefined || !FILE_NAME.test(fileName))
    throw new UnexpectedResponseError(id, 'malformed', 'fileName is missing or not a file name', {
      field: 'response.fileName',
    });
  if (fileContent === undefined || !BASE64.test(fileContent))
    throw new UnexpectedResponseError(id, 'malformed', 'fileContent is missing or not base64', {
      field: 'response.fileContent',
    });
  const options: UnionpayStatementOptions = {
    date: request.date,
    provider: id,
    merchant: account?.merchant ?? null,
    malformed: request.malformed,
    onSkipped: request.onSkipped,
  };
  if (config.access === 'platform') options.subMerId = account ? account.accountId : null;
  if (config.access === 'acquirer') options.merId = account ? account.accountId : config.merId;
  yield* parseUnionpayStatement(archiveBytes(id, Buffer.from(fileContent, 'base64')), options);
}

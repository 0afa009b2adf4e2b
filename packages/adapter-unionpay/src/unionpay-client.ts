/**
 * The ACP transport: fills the common fields, signs, posts the form, verifies every reply
 * (certificate chain, CN, validity, then signature) and checks that it answers this very request
 * before anything reads it. ACP replies carry no timestamp or nonce: `merId`, `orderId`, `txnTime`,
 * `txnType`, `txnSubType`, `accessType` and `bizType` are all that tie a reply to its request, so
 * {@link assertUnionpayReplyAnswers} is the one place that rule lives, and every back-end call goes
 * through it.
 *
 * @packageDocumentation
 */
import { type FormAction, SignatureVerificationError, UnexpectedResponseError, ValidationError } from '@hutong/core';
import { createHttpClient, type FormFields, type MerchantAccount } from '@hutong/core/provider-utils';
import { assertUnionpayReplyAccount } from './unionpay-access.js';
import { trustedSigningKey, type UnionpayCertificateCache, type UnionpayTrust } from './unionpay-certificates.js';
import { unionpayCodeMeaning, unionpayError } from './unionpay-errors.js';
import { encodeUnionpayForm, parseUnionpayResponse } from './unionpay-fields.js';
import type { UnionpayConfig } from './unionpay-options.js';
import { signUnionpayFields, verifyUnionpayBytes, verifyUnionpayFields } from './unionpay-signature.js';

/** The gateway endpoints. */
export type UnionpayEndpoint =
  | 'frontTransReq.do'
  | 'backTransReq.do'
  | 'appTransReq.do'
  | 'queryTrans.do'
  /** The file-transfer host (`fileEndpoint`), for statements (`txnType=76`). */
  | 'fileTransfer';

/**
 * The largest statement reply read (its `fileContent` is the zipped file, base64): 256 MiB.
 *
 * @example
 * ```ts
 * UNIONPAY_MAX_FILE_REPLY_BYTES; // 268435456
 * ```
 */
export const UNIONPAY_MAX_FILE_REPLY_BYTES = 256 * 1024 * 1024;

/** A transaction's kind, as ACP names it. */
export interface UnionpayTransactionKind {
  readonly txnType: string;
  readonly txnSubType: string;
}

/** One back-end call: where, what, and (for queries) which transactions a found reply may describe. */
export interface UnionpayCall {
  endpoint: Exclude<UnionpayEndpoint, 'frontTransReq.do'>;
  fields: Record<string, string | undefined>;
  /**
   * For `queryTrans.do`: the kinds of transaction the queried `orderId` may be (a consume 01/07, a
   * refund 04/00, ...). A query reply describes the transaction it found with that transaction's
   * own `txnType`/`txnSubType`, not the query's `00`/`00`.
   */
  describes?: readonly UnionpayTransactionKind[] | undefined;
  /**
   * The sub-merchant the call is for (platform mode): a reply that names a `subMerId` must name
   * this account's. `null`/absent: the provider's own account, whose replies name none.
   */
  account?: MerchantAccount | null | undefined;
}

/** A verified reply that answers its request, with a success or "query later" code. */
export interface UnionpayReply {
  readonly fields: Readonly<Record<string, string>>;
  /** `succeeded`: accepted (a query: found); `pending`: 03, 04, 05: the outcome is not known yet. */
  readonly outcome: 'succeeded' | 'pending';
}

/** The gateway client of one merchant. */
export interface UnionpayClient {
  /**
   * Adds the common fields (`version`, `encoding`, `signMethod`, `certId`, and `merId`/`accessType`
   * unless `fields` carries a sub-merchant's, see `unionpayAccessFields`) and signs.
   */
  sign(fields: Record<string, string | undefined>): Record<string, string>;
  /** The auto-submitting form for `frontTransReq.do`. */
  frontForm(fields: Record<string, string | undefined>): FormAction;
  /**
   * Posts to a back-end endpoint and returns the verified reply once it is shown to answer this
   * request. A failure code throws `ProviderApiError`; a reply for another request throws
   * `UnexpectedResponseError('mismatch')`; an unreadable one `UnexpectedResponseError('malformed')`.
   */
  post(call: UnionpayCall): Promise<UnionpayReply>;
}

/**
 * What the operations of one provider share: its id, its validated options and its client.
 *
 * @example
 * ```ts
 * const context: UnionpayContext = { id: config.id, config, client: createUnionpayClient(config) };
 * ```
 */
export interface UnionpayContext {
  readonly id: string;
  readonly config: UnionpayConfig;
  readonly client: UnionpayClient;
}

/**
 * Verifies a message from UnionPay (reply or notification): its `signPubKeyCert` must chain to the
 * configured trust, then the signature must hold.
 *
 * @example
 * ```ts
 * verifyUnionpayMessage(fields, config.trust, config.certificateCache, new Date(), 'unionpay');
 * ```
 */
export function verifyUnionpayMessage(
  fields: Record<string, string>,
  trust: UnionpayTrust,
  cache: UnionpayCertificateCache,
  now: Date,
  provider = 'unionpay',
): void {
  if (!fields.signature) throw notSigned(provider, fields.respCode, fields.respMsg);
  const key = trustedSigningKey(fields.signPubKeyCert, trust, cache, now, provider);
  if (!verifyUnionpayFields(fields, key)) throw badSignature(provider);
}

/**
 * Verifies a form-encoded message from UnionPay (a notification or a front-end return) straight
 * from its body: the same checks as {@link verifyUnionpayMessage}, with the signed string written
 * from the body into bytes and the carried certificate decoded once per distinct text.
 *
 * @example
 * ```ts
 * verifyUnionpayForm(FormFields.parse(request.body), config.trust, config.certificateCache, new Date());
 * ```
 */
export function verifyUnionpayForm(
  form: FormFields,
  trust: UnionpayTrust,
  cache: UnionpayCertificateCache,
  now: Date,
  provider = 'unionpay',
): void {
  const signature = form.get('signature');
  if (!signature) throw notSigned(provider, form.get('respCode'), form.get('respMsg'));
  const raw = form.raw('signPubKeyCert');
  const certificate = raw ? cache.decoded(raw, () => form.get('signPubKeyCert') as string) : undefined;
  const key = trustedSigningKey(certificate?.pem, trust, cache, now, provider);
  const known = certificate ? { name: 'signPubKeyCert', bytes: certificate.bytes } : undefined;
  if (!verifyUnionpayBytes(form.signedBytes(SIGNATURE, known), signature, key)) throw badSignature(provider);
}

/** The request fields a reply must repeat exactly (when the request sent them). */
const BOUND_FIELDS = ['merId', 'orderId', 'txnTime', 'accessType', 'bizType', 'settleDate', 'fileType'] as const;

/** The kind of a query itself. */
const QUERY: UnionpayTransactionKind = { txnType: '00', txnSubType: '00' };

/**
 * Checks that a verified reply answers `request`: the same merchant, order, time, access type and
 * business type, and the same operation (`txnType`/`txnSubType`; for a query that found its
 * transaction, one of the kinds in `describes`). Throws `UnexpectedResponseError('mismatch')`
 * naming the first field that differs.
 *
 * @example
 * ```ts
 * assertUnionpayReplyAnswers('unionpay', signedRequest, reply);
 * ```
 */
export function assertUnionpayReplyAnswers(
  provider: string,
  request: Readonly<Record<string, string>>,
  reply: Readonly<Record<string, string>>,
  describes?: readonly UnionpayTransactionKind[],
): void {
  for (const field of BOUND_FIELDS) {
    const sent = request[field];
    if (sent !== undefined && reply[field] !== sent) throw mismatch(provider, field, sent, reply[field]);
  }
  const kind = { txnType: request.txnType ?? '', txnSubType: request.txnSubType ?? '' };
  // A query that found its transaction describes it; one that did not (34, 03...) answers as a query.
  const allowed = describes ? (reply.respCode === '00' ? describes : [...describes, QUERY]) : [kind];
  const answered = allowed.some((k) => k.txnType === reply.txnType && k.txnSubType === reply.txnSubType);
  if (!answered) {
    const field = allowed.some((k) => k.txnType === reply.txnType) ? 'txnSubType' : 'txnType';
    throw mismatch(provider, field, allowed.map((k) => k[field]).join(' or '), reply[field]);
  }
}

function mismatch(provider: string, field: string, sent: string, got: string | undefined): UnexpectedResponseError {
  return new UnexpectedResponseError(
    provider,
    'mismatch',
    `the reply's ${field} is ${got === undefined ? 'missing' : JSON.stringify(got)}, the request's ${JSON.stringify(sent)}`,
    { field: `response.${field}` },
  );
}

/** A message without a signature, naming its respCode and respMsg when it has them. */
function notSigned(provider: string, respCode: string | undefined, respMsg: string | undefined) {
  return new SignatureVerificationError(
    provider,
    'missing_signature',
    `the message is not signed (respCode ${respCode ?? '?'}: ${respMsg ?? ''})`,
  );
}

function badSignature(provider: string): SignatureVerificationError {
  return new SignatureVerificationError(provider, 'bad_signature', 'the signature does not match the fields');
}

const SIGNATURE = ['signature'] as const;

/**
 * Creates the gateway client.
 *
 * @example
 * ```ts
 * const client = createUnionpayClient(config);
 * ```
 */
export function createUnionpayClient(config: UnionpayConfig): UnionpayClient {
  const provider = config.id;
  const http = createHttpClient({
    provider,
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    hooks: config.hooks,
    redactFields: ['signPubKeyCert', 'signature', 'accNo', 'customerInfo', 'qrNo', 'fileContent'],
  });

  function sign(fields: Record<string, string | undefined>): Record<string, string> {
    const all: Record<string, string> = {};
    for (const [key, value] of Object.entries({
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      accessType: '0',
      merId: config.merId,
      certId: config.certId,
      ...fields,
    })) {
      if (value !== undefined && value !== '') all[key] = value;
    }
    all.signature = signUnionpayFields(all, config.privateKey);
    return all;
  }

  return {
    sign,
    frontForm: (fields) => ({
      type: 'form',
      method: 'POST',
      url: `${config.gateway}/frontTransReq.do`,
      fields: sign(fields),
    }),
    async post({ endpoint, fields, describes, account }) {
      const file = endpoint === 'fileTransfer';
      if (file && config.fileEndpoint === undefined)
        throw new ValidationError('options.fileEndpoint', 'is required for statements when endpoint is a URL');
      const request = sign(fields);
      const response = await http.send({
        method: 'POST',
        url: file ? (config.fileEndpoint as string) : `${config.gateway}/${endpoint}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: encodeUnionpayForm(request),
        // Queries and file transfers are safe to repeat; transactions are not (a repeat is a duplicate, 12).
        idempotent: endpoint === 'queryTrans.do' || file,
        maxResponseBytes: file ? UNIONPAY_MAX_FILE_REPLY_BYTES : undefined,
      });
      if (response.status >= 500) throw unionpayError(provider, '02', `HTTP ${response.status}`, response.status);
      let reply: Record<string, string>;
      try {
        reply = parseUnionpayResponse(response.text.trim());
      } catch (cause) {
        throw new UnexpectedResponseError(provider, 'malformed', 'the reply is not a k=v&... message', {
          cause,
          field: 'response',
        });
      }
      verifyUnionpayMessage(reply, config.trust, config.certificateCache, config.now(), provider);
      assertUnionpayReplyAnswers(provider, request, reply, describes);
      assertUnionpayReplyAccount(provider, account, request.accessType, reply);
      const meaning = unionpayCodeMeaning(reply.respCode);
      if (!meaning) {
        throw new UnexpectedResponseError(
          provider,
          'malformed',
          `respCode ${JSON.stringify(reply.respCode ?? null)} is not a documented ACP code`,
          { field: 'response.respCode' },
        );
      }
      if (meaning.outcome === 'failed')
        throw unionpayError(provider, reply.respCode as string, reply.respMsg, response.status);
      return { fields: reply, outcome: meaning.outcome };
    },
  };
}

/**
 * The gateway client of one merchant.
 *
 * @deprecated Renamed {@link UnionpayClient} (the transport file of every adapter is `-client`).
 * @example
 * ```ts
 * const client: UnionpayClient = createUnionpayClient(config);
 * ```
 */
export type UnionpayGateway = UnionpayClient;

/**
 * Creates the gateway client.
 *
 * @deprecated Renamed {@link createUnionpayClient}.
 * @example
 * ```ts
 * const client = createUnionpayClient(config);
 * ```
 */
export const createUnionpayGateway: (config: UnionpayConfig) => UnionpayClient = createUnionpayClient;

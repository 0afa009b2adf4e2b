/**
 * The ACP transport: fills the common fields, signs, posts the form, and verifies every reply
 * (certificate chain, CN, validity, then signature) before anything reads it.
 *
 * @packageDocumentation
 */
import { type FormAction, SignatureVerificationError } from '@hutong/core';
import { createHttpClient, type FormFields } from '@hutong/core/provider-utils';
import { trustedSigningKey, type UnionpayCertificateCache, type UnionpayTrust } from './unionpay-certificates.js';
import { UNIONPAY_PENDING_CODES, UNIONPAY_SUCCESS_CODES, unionpayError } from './unionpay-codes.js';
import { encodeUnionpayForm, parseUnionpayResponse } from './unionpay-fields.js';
import type { UnionpayConfig } from './unionpay-options.js';
import { signUnionpayFields, verifyUnionpayBytes, verifyUnionpayFields } from './unionpay-signature.js';

/** The gateway endpoints. */
export type UnionpayEndpoint = 'frontTransReq.do' | 'backTransReq.do' | 'appTransReq.do' | 'queryTrans.do';

/** The gateway client of one merchant. */
export interface UnionpayGateway {
  /** Adds the common fields (`version`, `encoding`, `signMethod`, `certId`, `merId`, `accessType`) and signs. */
  sign(fields: Record<string, string | undefined>): Record<string, string>;
  /** The auto-submitting form for `frontTransReq.do`. */
  frontForm(fields: Record<string, string | undefined>): FormAction;
  /**
   * Posts to a back-end endpoint; returns the verified reply. A failure code throws
   * `ProviderApiError`; a pending code (`03`, `04`, `05`) is returned for the caller to read.
   */
  post(
    endpoint: Exclude<UnionpayEndpoint, 'frontTransReq.do'>,
    fields: Record<string, string | undefined>,
  ): Promise<Record<string, string>>;
}

/**
 * Verifies a message from UnionPay (reply or notification): its `signPubKeyCert` must chain to the
 * configured trust, then the signature must hold.
 *
 * @example
 * ```ts
 * verifyUnionpayMessage(fields, config.trust, config.certificateCache, new Date());
 * ```
 */
export function verifyUnionpayMessage(
  fields: Record<string, string>,
  trust: UnionpayTrust,
  cache: UnionpayCertificateCache,
  now: Date,
): void {
  if (!fields.signature) throw notSigned(fields.respCode, fields.respMsg);
  const key = trustedSigningKey(fields.signPubKeyCert, trust, cache, now);
  if (!verifyUnionpayFields(fields, key)) throw badSignature();
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
): void {
  const signature = form.get('signature');
  if (!signature) throw notSigned(form.get('respCode'), form.get('respMsg'));
  const raw = form.raw('signPubKeyCert');
  const certificate = raw ? cache.decoded(raw, () => form.get('signPubKeyCert') as string) : undefined;
  const key = trustedSigningKey(certificate?.pem, trust, cache, now);
  const known = certificate ? { name: 'signPubKeyCert', bytes: certificate.bytes } : undefined;
  if (!verifyUnionpayBytes(form.signedBytes(SIGNATURE, known), signature, key)) throw badSignature();
}

/** A message without a signature, naming its respCode and respMsg when it has them. */
function notSigned(respCode: string | undefined, respMsg: string | undefined): SignatureVerificationError {
  return new SignatureVerificationError(
    'unionpay',
    'missing_signature',
    `the message is not signed (respCode ${respCode ?? '?'}: ${respMsg ?? ''})`,
  );
}

function badSignature(): SignatureVerificationError {
  return new SignatureVerificationError('unionpay', 'bad_signature', 'the signature does not match the fields');
}

const SIGNATURE = ['signature'] as const;

/**
 * Creates the gateway client.
 *
 * @example
 * ```ts
 * const gateway = createUnionpayGateway(config);
 * ```
 */
export function createUnionpayGateway(config: UnionpayConfig): UnionpayGateway {
  const http = createHttpClient({
    provider: 'unionpay',
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
    redactFields: ['signPubKeyCert', 'accNo', 'customerInfo'],
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
    async post(endpoint, fields) {
      const response = await http.send({
        method: 'POST',
        url: `${config.gateway}/${endpoint}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: encodeUnionpayForm(sign(fields)),
        // Queries are safe to repeat; transactions are not (a repeat is a duplicate, respCode 12).
        idempotent: endpoint === 'queryTrans.do',
      });
      if (response.status >= 500) throw unionpayError('02', `HTTP ${response.status}`, response.status);
      const reply = parseUnionpayResponse(response.text.trim());
      verifyUnionpayMessage(reply, config.trust, config.certificateCache, config.now());
      const code = reply.respCode ?? '';
      if (!UNIONPAY_SUCCESS_CODES.has(code) && !UNIONPAY_PENDING_CODES.has(code))
        throw unionpayError(code, reply.respMsg, response.status);
      return reply;
    },
  };
}

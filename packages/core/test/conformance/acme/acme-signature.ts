/**
 * AcmePay, a fictional wallet for the conformance suite's own tests: JSON over HTTP, every request,
 * reply and notification signed with HMAC-SHA256 over `<unix seconds>\n<body>`, sent in the
 * `x-acme-timestamp` and `x-acme-signature` headers. The merchant signs with its key, the wallet
 * with its own.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers a signed AcmePay message carries. */
export interface AcmeSignedHeaders {
  'content-type': 'application/json';
  'x-acme-timestamp': string;
  'x-acme-signature': string;
}

/** Signs `body` at `seconds` with `key`. */
export function signAcme(key: string, seconds: number, body: string): AcmeSignedHeaders {
  const signature = createHmac('sha256', key).update(`${seconds}\n${body}`).digest('hex');
  return { 'content-type': 'application/json', 'x-acme-timestamp': String(seconds), 'x-acme-signature': signature };
}

/** Whether `signature` is `key`'s signature of `body` at `timestamp`. */
export function acmeSignatureHolds(key: string, timestamp: string, body: string, signature: string): boolean {
  const expected = createHmac('sha256', key).update(`${timestamp}\n${body}`).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The wallet's window for signed times, in seconds. */
export const ACME_WINDOW_SECONDS = 300;

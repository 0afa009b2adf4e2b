import { readFileSync } from 'node:fs';

/** Reads a fixture file (paths as the vectors name them, relative to `test/fixtures`). */
export function fixture(path: string | undefined): string {
  if (path === undefined) throw new Error('the vector names no fixture');
  return readFileSync(new URL(`./fixtures/${path.replace(/^wechatpay\//, '').split(' ')[0]}`, import.meta.url), 'utf8');
}

/** The fields of the vector files that the tests read. */
export interface Vector {
  id: string;
  key: string;
  message: string;
  expected_signature: string;
  expected_authorization: string;
  signature: string;
  authorization: string;
  paySign: string;
  sign: string;
  mchid: string;
  serial_no: string;
  headers: Record<string, string>;
  body: string;
  body_file: string;
  verify_cert: string;
  api_v3_key: string;
  expected_plaintext: string;
  expected_plaintext_file: string;
  message_to_verify: string;
  nonce: string;
  associated_data: string;
  ciphertext: string;
  plaintext: string;
  negative: Record<string, string>[];
  cases: { method: string; canonical_url: string; timestamp: string; nonce: string; body: string; message: string }[];
  response_body_file: string;
  expected_serial_no: string;
  decrypted_cert_file: string;
  jsapi_message: string;
  app_message: string;
  signing_key: string;
}

/** The vectors, by id. */
export function vectors(): Map<string, Vector> {
  const all = [
    ...(JSON.parse(fixture('vectors_from_sources.json')) as Vector[]),
    ...(JSON.parse(fixture('computed_here.json')) as Vector[]),
  ];
  return new Map(all.map((vector) => [vector.id, vector]));
}

/** Lower-cases header names, as a server receives them. */
export function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

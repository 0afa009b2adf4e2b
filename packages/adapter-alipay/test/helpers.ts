import { readFileSync } from 'node:fs';

/** Reads a fixture file (paths as the vectors name them, relative to `test/fixtures`). */
export function fixture(path: string | undefined): string {
  if (path === undefined) throw new Error('the vector names no fixture');
  return readFileSync(new URL(`./fixtures/${path.replace(/^alipay\//, '')}`, import.meta.url), 'utf8');
}

/** The fields of the vector files that the tests read (each vector has some of them). */
export interface Vector {
  id: string;
  inputs: Record<string, string>;
  expected: Record<string, string>;
  computed_here_extra: Record<string, string>;
  params: Record<string, string>;
  post_params: Record<string, string>;
  headers: Record<string, string>;
  extra_headers: Record<string, string>;
  string_to_sign: string;
  string_to_verify: string;
  expected_sign: string;
  sign: string;
  signature: string;
  verify_key: string;
  verify_key_b64?: string;
  response_raw: string;
  signed_substring: string;
  return_url: string;
  method: string;
  request_uri: string;
  body: string;
  authorization_header: string;
}

/** The vectors, by id. */
export function vectors(): Map<string, Vector> {
  const all = [
    ...(JSON.parse(fixture('vectors_from_sources.json')) as Vector[]),
    ...(JSON.parse(fixture('computed_here.json')) as Vector[]),
  ];
  return new Map(all.map((vector) => [vector.id, vector]));
}

/** Form-encodes parameters the way Alipay posts them. */
export function formBody(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

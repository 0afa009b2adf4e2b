import { readFileSync } from 'node:fs';

/** Reads a fixture as text (paths as the vectors name them, relative to `test/fixtures`). */
export function fixture(path: string | undefined): string {
  return fixtureBytes(path).toString('utf8');
}

/** Reads a fixture as bytes. */
export function fixtureBytes(path: string | undefined): Buffer {
  if (path === undefined) throw new Error('the vector names no fixture');
  return readFileSync(new URL(`./fixtures/${path.replace(/^unionpay\//, '').split(' ')[0]}`, import.meta.url));
}

/** The fields of the vector files that the tests read. */
export interface Vector {
  id: string;
  pfx: string;
  params: Record<string, string>;
  string_to_sign: string;
  string_to_verify: string;
  sha256_hex: string;
  sha256_hex_computed_here: string;
  expected_signature: string;
  signature: string;
  chain: string[];
  raw_file: string;
}

/** The vectors, by id. */
export function vectors(): Map<string, Vector> {
  const all = [
    ...(JSON.parse(fixture('vectors_from_sources.json')) as Vector[]),
    ...(JSON.parse(fixture('computed_here.json')) as Vector[]),
  ];
  return new Map(all.map((vector) => [vector.id, vector]));
}

export const PFX = fixtureBytes('smartwalle-unionpay/acp_test_sign.pfx');
export const ROOT = fixture('smartwalle-unionpay/acp_test_root.cer');
export const MIDDLE = fixture('smartwalle-unionpay/acp_test_middle.cer');

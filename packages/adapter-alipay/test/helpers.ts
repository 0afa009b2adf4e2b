import { readFileSync } from 'node:fs';

/** Reads a fixture file (paths as the vectors name them, relative to `test/fixtures`). */
export function fixture(path: string): string {
  return readFileSync(new URL(`./fixtures/${path.replace(/^alipay\//, '')}`, import.meta.url), 'utf8');
}

/** The vectors, by id. */
export function vectors(): Map<string, Record<string, unknown>> {
  const all = [
    ...(JSON.parse(fixture('vectors_from_sources.json')) as Record<string, unknown>[]),
    ...(JSON.parse(fixture('computed_here.json')) as Record<string, unknown>[]),
  ];
  return new Map(all.map((vector) => [vector.id as string, vector]));
}

/** Form-encodes parameters the way Alipay posts them. */
export function formBody(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

import { readFileSync } from 'node:fs';
import type { StatementLine } from '@hutong/core/provider-utils';

/** A bill fixture's bytes (`test/fixtures/bills/<name>`). */
export function billFixture(name: string): Uint8Array {
  return readFileSync(new URL(`./fixtures/bills/${name}`, import.meta.url));
}

/** The bytes in chunks of `size` (small sizes cut UTF-8 characters across chunks). */
export async function* chunked(bytes: Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** Text as a chunked byte source. */
export function source(text: string, size = 7): AsyncGenerator<Uint8Array> {
  return chunked(new TextEncoder().encode(text), size);
}

/** Every line of an iterable. */
export async function collect(lines: AsyncIterable<StatementLine>): Promise<StatementLine[]> {
  const all: StatementLine[] = [];
  for await (const line of lines) all.push(line);
  return all;
}

/** What an async operation threw (fails the test if it did not throw). */
export async function thrown(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
